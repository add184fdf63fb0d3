import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  DELIVERY_RESULTS,
  DeliveryResult,
  Direction,
  HANDSHAKE_RESULTS,
  HandshakeResult,
  MOVE_CAUSES,
  MOVE_RESULTS,
  MetricsExposition,
  MoveCause,
  MoveResult,
  NOTIFICATION_KINDS,
  NotificationKind,
  ReloadResult,
  TetherMetrics,
} from './metrics';

/** Request durations: 1 ms (a cached answer) to 60 s (a long download or a timeout). */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const CODE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

type Inc = { inc(n?: number): void };

export interface PrometheusMetricsOptions {
  /** Labels on every series of this process (e.g. its role); keep them constant. */
  defaultLabels?: Record<string, string>;
  /** Node's process metrics (CPU, memory, event loop lag, GC); on unless a spec turns them off. */
  processMetrics?: boolean;
}

/**
 * TetherMetrics as Prometheus series in a registry of its own (never the global one, so two apps in
 * one process or a spec do not collide). Every label value is known up front: children are bound once
 * and the hot path pays one addition per call, and every series shows from the first scrape at 0.
 */
export class PrometheusMetrics implements TetherMetrics {
  readonly registry = new Registry();
  private readonly connected: Gauge;
  private readonly handshakes: Record<HandshakeResult, Inc>;
  private readonly resumed: Counter;
  private readonly moves: Record<MoveCause, Record<MoveResult, Inc>>;
  private readonly drainingGauge: Gauge;
  private readonly requests: Inc[];
  private readonly duration: Histogram;
  private readonly bytes: Record<Direction, Inc>;
  private readonly deliveries: Record<NotificationKind, Record<DeliveryResult, Inc>>;
  private readonly redis: Counter;
  private readonly reloads: Record<ReloadResult, Inc>;
  private readonly crlFailures: Counter;
  private readonly crlUntil: Gauge;

  constructor(opts: PrometheusMetricsOptions = {}) {
    const registers = [this.registry];
    if (opts.defaultLabels) this.registry.setDefaultLabels(opts.defaultLabels);
    if (opts.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named *_total break the naming rules (promtool check metrics); the per-type series stay.
      for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    }

    this.connected = new Gauge({ name: 'tether_devices_connected', help: 'Devices connected to this edge.', registers });
    const handshakes = new Counter({
      name: 'tether_device_handshakes_total',
      help: 'Device connection handshakes (TLS, certificate, SSH) by result.',
      labelNames: ['result'],
      registers,
    });
    this.handshakes = bind(HANDSHAKE_RESULTS, (r) => handshakes.labels(r));
    this.resumed = new Counter({
      name: 'tether_device_tls_resumptions_total',
      help: 'Accepted device connections that resumed a TLS session instead of a full handshake (storms cost less; none after a failover means the edges do not share cert_file).',
      registers,
    });
    this.moves = counterGrid(registers, 'tether_device_moves_total', 'Devices moved off an edge by its drain (SIGTERM) or by rebalance.cgi, by outcome.', [
      ['cause', MOVE_CAUSES],
      ['result', MOVE_RESULTS],
    ]);
    this.drainingGauge = new Gauge({ name: 'tether_edge_draining', help: 'Edge: 1 while it drains its devices (from SIGTERM until it stops).', registers });
    const requests = new Counter({
      name: 'tether_proxy_requests_total',
      help: 'User requests answered through the proxy, by status class.',
      labelNames: ['code_class'],
      registers,
    });
    this.requests = CODE_CLASSES.map((c) => requests.labels(c));
    for (const r of this.requests) r.inc(0);
    this.duration = new Histogram({
      name: 'tether_proxy_request_duration_seconds',
      help: 'Time from a user request head to the end of its response head.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    const bytes = new Counter({
      name: 'tether_proxy_bytes_total',
      help: 'Bytes through the user proxy: in from users, out to users.',
      labelNames: ['direction'],
      registers,
    });
    this.bytes = bind(['in', 'out'] as const, (d) => bytes.labels(d));
    this.deliveries = counterGrid(registers, 'tether_notification_deliveries_total', 'Notification deliveries (reference section 6) by kind and result.', [
      ['kind', NOTIFICATION_KINDS],
      ['result', DELIVERY_RESULTS],
    ]);
    this.redis = new Counter({ name: 'tether_redis_errors_total', help: 'Redis connection errors.', registers });
    const reloads = new Counter({
      name: 'tether_config_reloads_total',
      help: 'Configuration reloads by result.',
      labelNames: ['result'],
      registers,
    });
    this.reloads = bind(['ok', 'failed'] as const, (r) => reloads.labels(r));
    this.crlFailures = new Counter({ name: 'tether_crl_load_failures_total', help: 'Failures to load a valid CRL (fetch, parse, signature, expiry).', registers });
    this.crlUntil = new Gauge({
      name: 'tether_crl_valid_until_seconds',
      help: 'NextUpdate of the CRL in force, Unix time; 0 when none is loaded.',
      registers,
    });
  }

  devicesConnected(delta: number): void {
    this.connected.inc(delta);
  }

  deviceHandshake(result: HandshakeResult): void {
    this.handshakes[result]?.inc();
  }

  deviceTlsResumed(): void {
    this.resumed.inc();
  }

  deviceMove(cause: MoveCause, result: MoveResult): void {
    this.moves[cause]?.[result]?.inc();
  }

  draining(on: boolean): void {
    this.drainingGauge.set(on ? 1 : 0);
  }

  proxyRequest(status: number, seconds: number): void {
    const c = this.requests[Math.floor(status / 100) - 1];
    if (c) c.inc();
    this.duration.observe(seconds);
  }

  proxyBytes(direction: Direction, bytes: number): void {
    if (bytes > 0) this.bytes[direction].inc(bytes);
  }

  notificationDelivery(kind: NotificationKind, result: DeliveryResult): void {
    this.deliveries[kind]?.[result]?.inc();
  }

  redisError(): void {
    this.redis.inc();
  }

  configReload(result: ReloadResult): void {
    this.reloads[result].inc();
  }

  crlLoadFailed(): void {
    this.crlFailures.inc();
  }

  crlValidUntil(ms: number): void {
    this.crlUntil.set(Math.floor(ms / 1000));
  }

  async exposition(): Promise<MetricsExposition> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A counter with two labels: one bound child per pair of values, each shown at 0 from the start. */
function counterGrid<A extends string, B extends string>(
  registers: Registry[],
  name: string,
  help: string,
  [[aName, as], [bName, bs]]: [[string, readonly A[]], [string, readonly B[]]],
): Record<A, Record<B, Inc>> {
  const c = new Counter({ name, help, labelNames: [aName, bName], registers });
  return bind(as, (a) => bind(bs, (b) => c.labels(a, b)));
}

/** One bound child per label value, each shown at 0 from the start. */
function bind<K extends string, V>(keys: readonly K[], make: (k: K) => V): Record<K, V> {
  const out = {} as Record<K, V>;
  for (const k of keys) {
    out[k] = make(k);
    if (typeof (out[k] as Inc).inc === 'function') (out[k] as Inc).inc(0);
  }
  return out;
}

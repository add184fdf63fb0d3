import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '@tether/telemetry';
import type { ClusterBus, ClusterMember } from './cluster-bus';
import { METRICS_TOPIC, QueryMessage, ReplyMessage, queryChannel, replyChannel } from './cluster-topics';

export type Counters = Record<string, number>;
export type QueryHandler = (args: unknown) => unknown;

export interface ClusterNodeOptions {
  bus: ClusterBus;
  role: string;
  /** stserverid: the readable part of the member id. */
  serverId: string;
  clock: Clock;
  logger: Logger;
  /** How often the membership is refreshed; it expires after `ttlMs` without refresh. */
  heartbeatMs?: number;
  ttlMs?: number;
  /** How often counter deltas go to the cluster totals. */
  flushMs?: number;
}

/** A process-unique member id: pids repeat across containers (often 1), hence the random part. */
export function memberId(serverId: string, role: string): string {
  return `${serverId}/${role}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * One member of the cluster (an edge or a gateway app): announces itself with a TTL heartbeat so
 * askers know whom to wait for, answers queries on the bus, and adds its counters' deltas to the
 * cluster totals every `flushMs`, when asked (metrics) and when it stops.
 */
export class ClusterNode {
  readonly member: ClusterMember;
  private readonly handlers = new Map<string, QueryHandler>();
  private readonly unsubscribes: Array<() => Promise<void>> = [];
  private readonly counterSources: Array<() => Counters> = [];
  private readonly gaugeSources: Array<() => Counters> = [];
  /** What has been added to the totals so far, per counter. */
  private readonly flushed = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private timers: Array<{ unref?(): void }> = [];
  private started = false;
  private readonly log: Logger;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly flushMs: number;

  constructor(private readonly opts: ClusterNodeOptions) {
    this.member = { id: memberId(opts.serverId, opts.role), role: opts.role };
    this.log = opts.logger.child('cluster');
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.ttlMs = opts.ttlMs ?? 3 * this.heartbeatMs;
    this.flushMs = opts.flushMs ?? 1000;
    this.respond(METRICS_TOPIC, async () => {
      await this.flush();
      return this.gauges();
    });
  }

  /** Cumulative counters since start (e.g. requests seen): their growth is added to the cluster totals. */
  countTotals(source: () => Counters): void {
    this.counterSources.push(source);
  }

  /** Current values (e.g. clients connected now), answered to the metrics query. */
  gauge(source: () => Counters): void {
    this.gaugeSources.push(source);
  }

  /** Answers `topic` queries; a handler registered after start() subscribes at once. */
  respond(topic: string, handler: QueryHandler): void {
    this.handlers.set(topic, handler);
    if (this.started) void this.listen(topic);
  }

  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.handlers.keys()].map((t) => this.listen(t)));
    await this.announce();
    const beat = this.opts.clock.setInterval(() => void this.announce(), this.heartbeatMs);
    const flush = this.opts.clock.setInterval(() => void this.flush(), this.flushMs);
    beat.unref?.();
    flush.unref?.();
    this.timers = [beat, flush];
  }

  private async listen(topic: string): Promise<void> {
    try {
      this.unsubscribes.push(await this.opts.bus.subscribe(queryChannel(topic), (m) => void this.answer(topic, m as QueryMessage)));
    } catch (err) {
      this.log.warn(`cannot answer ${topic} queries: ${(err as Error).message}`);
    }
  }

  private async answer(topic: string, q: QueryMessage): Promise<void> {
    if (!q || typeof q.qid !== 'string') return;
    if (q.roles && !q.roles.includes(this.member.role)) return;
    const handler = this.handlers.get(topic);
    if (!handler) return;
    const reply: ReplyMessage = { qid: q.qid, member: this.member };
    try {
      reply.body = await handler(q.args);
    } catch (err) {
      reply.error = (err as Error).message;
    }
    await this.opts.bus.publish(replyChannel(q.qid), reply).catch((err: Error) => {
      this.log.warn(`could not answer a ${topic} query: ${err.message}`);
    });
  }

  private async announce(): Promise<void> {
    try {
      await this.opts.bus.announce(this.member, this.ttlMs);
    } catch (err) {
      this.log.warn(`cluster membership heartbeat failed: ${(err as Error).message}`);
    }
  }

  gauges(): Counters {
    return Object.assign({}, ...this.gaugeSources.map((g) => g()));
  }

  /** Adds the counters' growth since the last flush to the totals; one flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const now: Counters = Object.assign({}, ...this.counterSources.map((c) => c()));
    const deltas: Counters = {};
    let any = false;
    for (const [k, v] of Object.entries(now)) {
      const d = v - (this.flushed.get(k) ?? 0);
      if (d) {
        deltas[k] = d;
        any = true;
      }
    }
    if (!any) return;
    try {
      await this.opts.bus.addTotals(deltas);
      for (const [k, d] of Object.entries(deltas)) this.flushed.set(k, (this.flushed.get(k) ?? 0) + d);
    } catch (err) {
      // Kept: the next flush adds them.
      this.log.warn(`cluster totals flush failed: ${(err as Error).message}`);
    }
  }

  /** Last flush, then leaves the cluster. */
  async stop(): Promise<void> {
    for (const t of this.timers) this.opts.clock.clearInterval(t);
    this.timers = [];
    this.started = false;
    await this.flush();
    await Promise.allSettled(this.unsubscribes.splice(0).map((u) => u()));
    await this.opts.bus.withdraw(this.member.id).catch(() => undefined);
  }
}

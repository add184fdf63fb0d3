import { ConfigHolder, parseConfig } from '@tether/config';
import type { HelloDecision, HelloRequest, Notification } from '@tether/notify';
import { Clock, DeliveryResult, Logger, NotificationKind, noopMetrics, systemClock } from '@tether/telemetry';
import type { EdgeDeps, EdgeNotificationPort } from '../edge.deps';
import type { DeviceSession } from '../sessions/device-session';

/** A notification port that records what the edge asks and queues; answers with `decide`. */
export class FakeNotificationPort implements EdgeNotificationPort {
  readonly hellos: Array<{ req: HelloRequest; forceAccept: boolean }> = [];
  readonly queued: Notification[] = [];
  stopped = 0;
  decide: (req: HelloRequest, forceAccept: boolean) => Promise<HelloDecision> = async () => ({ action: 'accept' });
  failEnqueue = false;

  hello(req: HelloRequest, forceAccept: boolean): Promise<HelloDecision> {
    this.hellos.push({ req, forceAccept });
    return this.decide(req, forceAccept);
  }

  async enqueue(n: Notification): Promise<void> {
    await Promise.resolve();
    await this.hang;
    if (this.failEnqueue) throw new Error('Redis unavailable');
    this.queued.push(n);
  }

  /** Set: every enqueue and stop waits for it (Redis away). */
  hang?: Promise<void>;

  async stop(): Promise<void> {
    await this.hang;
    this.stopped++;
  }
}

/** Edge deps for the notification providers: a config, a live holder, a logger whose lines are kept. */
export function notifyDeps(port: FakeNotificationPort | undefined, extra = '', clock: Clock = systemClock) {
  // A receiver unless the test says otherwise: the fake port answers for it.
  const receivers = /^notify_urls\b/m.test(extra) ? '' : 'notify_urls = http://receiver.test/o3c\n';
  const config = parseConfig(`stserverid = edge-7\n${receivers}${extra}`, 'edge.conf');
  const lines: string[] = [];
  const counted: Array<[NotificationKind, DeliveryResult]> = [];
  const deps = {
    config,
    live: new ConfigHolder(config),
    logger: new Logger({ level: 4, sinks: [(line) => lines.push(line)] }),
    metrics: { ...noopMetrics, notificationDelivery: (k: NotificationKind, r: DeliveryResult) => counted.push([k, r]) },
    notifications: port,
    clock,
  } as unknown as EdgeDeps;
  return { deps, lines, counted };
}

/** The part of a DeviceSession the notification providers use. */
export function fakeSession(connectionId = '3.00408c6e0007', srcaddr = '10.1.2.3:40001', servers = ['a:8443', 'b:8443']) {
  const s = {
    mac: connectionId.split('.')[1],
    connectionId,
    srcaddr,
    servers,
    isClosed: false,
    closedWith: '',
    logCtx: { client: `${connectionId}@${srcaddr}` },
    commands: [] as unknown[],
    commandReply: { ok: true, detail: 'OK' },
    command(cmd: unknown) {
      s.commands.push(cmd);
      return Promise.resolve(s.commandReply);
    },
    close(reason: string) {
      s.isClosed = true;
      s.closedWith = reason;
    },
  };
  return { s, session: s as unknown as DeviceSession };
}

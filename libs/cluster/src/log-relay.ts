import { LOG_LEVELS, type Clock, type LogLevel, type LogRecord, type Logger } from '@tether/telemetry';
import type { ClusterBus } from './cluster-bus';
import { DEBUG_LISTEN_CHANNEL, DEBUG_LOG_CHANNEL } from './cluster-topics';

/** A listener's wish, repeated while its stream is open; it lapses after `ttlMs` (0: at once). */
export interface DebugListen {
  listener: string;
  level: number;
  /** `count.mac` or '' for every record. */
  client: string;
  ttlMs: number;
}

/** What a process publishes for each record some listener wants. */
export interface DebugLogMessage {
  record: LogRecord;
}

/** Whether a record's client context is the wanted connection (`<count.mac>@addr`); '' matches all. */
export function clientMatches(record: LogRecord, client: string): boolean {
  if (!client) return true;
  const c = record.ctx.client;
  return !!c && c.length > client.length && c.startsWith(client) && c[client.length] === '@';
}

/**
 * The process's side of debug.cgi (one per process: the logger is the process's). Nothing is added to
 * the logger until a listener announces itself on the bus; then a sink at the highest wanted level
 * publishes the records some listener wants; it is removed when the last announcement lapses.
 */
export class LogRelay {
  private readonly listeners = new Map<string, { level: number; client: string; until: number }>();
  private removeSink?: () => void;
  private sinkLevel = 0;
  private expiry?: { unref?(): void };
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(DEBUG_LISTEN_CHANNEL, (m) => this.onListen(m as DebugListen));
  }

  private onListen(m: DebugListen): void {
    if (!m || typeof m.listener !== 'string' || typeof m.level !== 'number') return;
    if (m.ttlMs > 0 && m.level > 0) {
      this.listeners.set(m.listener, {
        level: Math.min(m.level, LOG_LEVELS.debug),
        client: typeof m.client === 'string' ? m.client : '',
        until: this.clock.now() + m.ttlMs,
      });
    } else this.listeners.delete(m.listener);
    this.update();
  }

  private update(): void {
    const now = this.clock.now();
    let level = 0;
    for (const [id, l] of this.listeners) {
      if (l.until <= now) this.listeners.delete(id);
      else if (l.level > level) level = l.level;
    }
    if (level !== this.sinkLevel) {
      this.removeSink?.();
      this.removeSink = level ? this.logger.addSink((_line, r) => this.relay(r), level as LogLevel) : undefined;
      this.sinkLevel = level;
    }
    if (this.listeners.size && !this.expiry) {
      this.expiry = this.clock.setInterval(() => this.update(), 1000);
      this.expiry.unref?.();
    } else if (!this.listeners.size && this.expiry) {
      this.clock.clearInterval(this.expiry);
      this.expiry = undefined;
    }
  }

  private relay(record: LogRecord): void {
    const n = LOG_LEVELS[record.level];
    for (const l of this.listeners.values()) {
      if (n <= l.level && clientMatches(record, l.client)) {
        // Never logged on failure: that would feed the relay itself.
        this.bus.publish(DEBUG_LOG_CHANNEL, { record } satisfies DebugLogMessage).catch(() => undefined);
        return;
      }
    }
  }

  /** Whether records are being relayed now (tests). */
  get active(): boolean {
    return this.sinkLevel > 0;
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    this.update();
    await this.unsubscribe?.();
  }
}

import { randomBytes } from 'node:crypto';
import { LOG_LEVELS, type Clock, type LogRecord } from '@tether/telemetry';
import type { ClusterBus } from './cluster-bus';
import { DEBUG_LISTEN_CHANNEL, DEBUG_LOG_CHANNEL } from './cluster-topics';
import { DebugListen, DebugLogMessage, clientMatches } from './log-relay';

export interface DebugListenerOptions {
  bus: ClusterBus;
  clock: Clock;
  /** 1 error … 4 debug. */
  level: number;
  /** `count.mac`, '' for all. */
  client: string;
  onRecord: (record: LogRecord) => void;
  /** How often the wish is repeated; it lapses after three periods without one. */
  announceMs?: number;
}

/** A debug.cgi stream's subscription: announces its wish on the bus while open, filters what arrives. */
export class DebugListener {
  private readonly id = randomBytes(8).toString('hex');
  private timer?: { unref?(): void };
  private unsubscribe?: () => Promise<void>;
  private stopped = false;

  constructor(private readonly opts: DebugListenerOptions) {}

  private get announceMs(): number {
    return this.opts.announceMs ?? 2000;
  }

  async start(): Promise<void> {
    const { level, client } = this.opts;
    this.unsubscribe = await this.opts.bus.subscribe(DEBUG_LOG_CHANNEL, (m) => {
      const r = (m as DebugLogMessage)?.record;
      if (this.stopped || !r || !r.ctx || !(r.level in LOG_LEVELS)) return;
      if (LOG_LEVELS[r.level] <= level && clientMatches(r, client)) this.opts.onRecord(r);
    });
    if (this.stopped) return this.unsubscribe();
    await this.announce(3 * this.announceMs);
    this.timer = this.opts.clock.setInterval(() => void this.announce(3 * this.announceMs), this.announceMs);
    this.timer.unref?.();
  }

  private announce(ttlMs: number): Promise<void> {
    const m: DebugListen = { listener: this.id, level: this.opts.level, client: this.opts.client, ttlMs };
    return this.opts.bus.publish(DEBUG_LISTEN_CHANNEL, m).catch(() => undefined);
  }

  /** Unsubscribes and withdraws the wish at once (processes stop relaying without waiting for it to lapse). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.opts.clock.clearInterval(this.timer);
    await this.unsubscribe?.();
    await this.announce(0);
  }
}

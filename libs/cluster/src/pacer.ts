import type { Clock } from '@tether/telemetry';

export interface PacerOptions {
  /** Actions per second. */
  ratePerS: number;
  clock: Clock;
}

/**
 * Spaces actions at a steady rate (rebalance, drain): each `next()` resolves one interval after the
 * previous slot, never before; a caller that fell behind gets its slot now but no burst to catch up,
 * so a target never sees more than the rate.
 */
export class Pacer {
  private last = -Infinity;
  readonly intervalMs: number;

  constructor(private readonly o: PacerOptions) {
    if (!(o.ratePerS > 0)) throw new Error(`rate must be above 0, got ${o.ratePerS}`);
    this.intervalMs = 1000 / o.ratePerS;
  }

  next(): Promise<void> {
    const now = this.o.clock.now();
    const at = Math.max(now, this.last + this.intervalMs);
    this.last = at;
    if (at <= now) return Promise.resolve();
    return new Promise((resolve) => this.o.clock.setTimeout(resolve, at - now));
  }
}

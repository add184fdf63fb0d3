import type { Clock } from './clock';

interface Timer {
  at: number;
  every: number;
  fn: () => void;
  unref?(): void;
}

/** A clock that moves only when told (`advance`), firing due timers in order: for unit specs. */
export class ManualClock implements Clock {
  private readonly timers = new Set<Timer>();

  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const t = { at: this.time + Math.max(0, ms), every: 0, fn };
    this.timers.add(t);
    return t;
  }

  setInterval(fn: () => void, ms: number): Timer {
    const t = { at: this.time + Math.max(1, ms), every: Math.max(1, ms), fn };
    this.timers.add(t);
    return t;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as Timer);
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as Timer);
  }

  /** Sets the time without running the timers it passes (a clock that jumped, e.g. a suspended machine). */
  jump(to: number): void {
    this.time = to;
  }

  /** Timers still armed. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.time = next.at;
      if (next.every) next.at += next.every;
      else this.timers.delete(next);
      next.fn();
    }
    this.time = end;
  }
}

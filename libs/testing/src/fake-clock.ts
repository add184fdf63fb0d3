import { Clock, ManualClock } from '@tether/telemetry';

/**
 * A ManualClock seen as a plain object: `tick(ms)` moves time and fires the timers it passes; assigning `t`
 * jumps without firing any.
 */
export function fakeClock(start = 0): Clock & { t: number; tick(ms: number): void; pending(): number } {
  const m = new ManualClock(start);
  return {
    get t() {
      return m.now();
    },
    set t(to: number) {
      m.jump(to);
    },
    now: () => m.now(),
    setTimeout: (fn, ms) => m.setTimeout(fn, ms),
    clearTimeout: (h) => m.clearTimeout(h),
    setInterval: (fn, ms) => m.setInterval(fn, ms),
    clearInterval: (h) => m.clearInterval(h),
    tick: (ms) => m.advance(ms),
    pending: () => m.pending,
  };
}

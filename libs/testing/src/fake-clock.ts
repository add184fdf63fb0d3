import type { Clock } from '@tether/telemetry';

/** A clock whose time moves only by tick(); intervals and timeouts fire as it passes them. */
export function fakeClock(): Clock & { t: number; tick(ms: number): void; pending(): number } {
  const timers = new Set<{ fn: () => void; every: number; next: number }>();
  const add = (fn: () => void, ms: number, every: number) => {
    const h = { fn, every, next: c.t + ms, unref: () => undefined };
    timers.add(h);
    return h;
  };
  const c = {
    t: 0,
    now: () => c.t,
    setTimeout: (fn: () => void, ms: number) => add(fn, ms, 0),
    clearTimeout: (h: unknown) => void timers.delete(h as never),
    setInterval: (fn: () => void, ms: number) => add(fn, ms, ms),
    clearInterval: (h: unknown) => void timers.delete(h as never),
    tick(ms: number) {
      const end = c.t + ms;
      for (;;) {
        const due = [...timers].filter((h) => h.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        c.t = due.next;
        if (due.every) due.next += due.every;
        else timers.delete(due);
        due.fn();
      }
      c.t = end;
    },
    pending: () => timers.size,
  };
  return c;
}

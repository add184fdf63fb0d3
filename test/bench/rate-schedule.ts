// The schedule of an open-loop (constant-rate) run: request i is due at a fixed time after the start, whatever
// happened to the requests before it, and its latency counts from then (no coordinated omission).

/** When request `i` (from 0) is due, in ms after the start, at `rate` requests per second. */
export function dueAtMs(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/** How many requests of a run of `total` are due by `elapsedMs` (request 0 is due at once). */
export function dueCount(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  // The epsilon keeps request i due at exactly dueAtMs(i) despite rounding (rate 3: 1000/3 ms).
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}

/** Requests in `seconds` at `rate` per second. */
export function requestsIn(seconds: number, rate: number): number {
  return Math.round(seconds * rate);
}

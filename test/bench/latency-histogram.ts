// Latencies of a load run in log-spaced buckets: bounded memory at any rate and ~1 % precision from 1 µs to
// 100 s, so percentiles and the CDF of millions of requests cost a few KiB.

/** Each bucket's upper bound is this many times the previous one's. */
const RATIO = 1.01;
const LN = Math.log(RATIO);
const MAX_US = 100e6;

/** The bucket of a latency in µs: bucket b holds (RATIO^(b-1), RATIO^b]; everything up to 1 µs is bucket 0. */
export function bucketOf(us: number): number {
  if (!(us > 1)) return 0;
  // The epsilon keeps an exact bound (RATIO^b) in bucket b despite rounding in log().
  return Math.ceil(Math.log(Math.min(us, MAX_US)) / LN - 1e-9);
}

/** The upper bound of bucket `b`, in µs. */
export function bucketUpperUs(b: number): number {
  return RATIO ** b;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(bucketOf(MAX_US) + 1);
  count = 0;
  minMs = Infinity;
  maxMs = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms * 1000)]++;
    this.count++;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /**
   * The latency (ms) that `p` % of the recorded ones do not exceed: the upper bound of the bucket holding the
   * ceil(count * p / 100)-th smallest value, never above the largest recorded; 0 when empty.
   */
  percentile(p: number): number {
    if (!this.count) return 0;
    if (p <= 0) return this.minMs;
    const want = Math.max(1, Math.ceil((this.count * Math.min(p, 100)) / 100));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= want) return Math.min(bucketUpperUs(b) / 1000, this.maxMs);
    }
    return this.maxMs;
  }

  /** The CDF as [latency ms, fraction of requests at or below it], one point per non-empty bucket. */
  cdf(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      if (!this.counts[b]) continue;
      seen += this.counts[b];
      out.push([Math.min(bucketUpperUs(b) / 1000, this.maxMs), seen / this.count]);
    }
    return out;
  }
}

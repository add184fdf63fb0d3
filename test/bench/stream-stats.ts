// Per-stream figures of the MJPEG phase: frames counted by their multipart boundary as bytes arrive (a
// boundary may span two chunks), and the spread of the streams' rates (a starving stream shows as min ~ 0).

/** Counts occurrences of `needle` in a byte stream fed chunk by chunk, also across chunk edges. */
export class BoundaryCounter {
  count = 0;
  private readonly needle: Buffer;
  private tail = Buffer.alloc(0);

  constructor(needle: string) {
    if (!needle) throw new RangeError('empty needle');
    this.needle = Buffer.from(needle);
  }

  push(chunk: Buffer): void {
    const keep = this.needle.length - 1;
    // A match that ends in this chunk and starts in an earlier one lies in the last `keep` bytes before it.
    if (this.tail.length) this.count += occurrences(Buffer.concat([this.tail, chunk.subarray(0, keep)]), this.needle, this.tail.length);
    this.count += occurrences(chunk, this.needle, 0);
    this.tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([this.tail, chunk]).subarray(-keep);
    if (!keep) this.tail = Buffer.alloc(0);
  }
}

/** Matches of `needle` in `hay` that start before `startBefore` (0: anywhere). */
function occurrences(hay: Buffer, needle: Buffer, startBefore: number): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0 && (!startBefore || i < startBefore); i = hay.indexOf(needle, i + 1)) n++;
  return n;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
  /** min / median: ~1 when every stream gets its share, ~0 when one starves. */
  minOverMedian: number;
}

/** min, median (the mean of the middle two for an even count), max and min/median of `values`. */
export function spread(values: number[]): Spread {
  if (!values.length) return { min: NaN, median: NaN, max: NaN, minOverMedian: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1], minOverMedian: median > 0 ? s[0] / median : NaN };
}

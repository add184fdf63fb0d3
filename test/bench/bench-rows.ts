// Table rows of the newer phases of `npm run bench`: constant-rate latency, latency against concurrency and
// MJPEG streams. Pure: results in, rows out.
import type { PathKey, Row } from './bench-table';
import type { LoadResult } from './load-generator';
import type { MjpegResult } from './mjpeg-viewers';
import type { RateResult } from './rate-generator';

/** The goal of the fixed-rate phase: what tether adds to p99 over direct, at most (ms). */
export const ADDED_P99_GOAL_MS = 5;
/** A stream starves when it gets less than this share of the median stream. */
export const STARVING_SHARE = 0.1;

type ByPath<T> = Partial<Record<PathKey, T>>;

function each<T>(by: ByPath<T>, f: (v: T, k: PathKey) => number | undefined): Pick<Row, PathKey> {
  const out: Pick<Row, PathKey> = {};
  for (const k of ['direct', 'haproxy', 'openssh', 'tether'] as const) if (by[k] !== undefined) out[k] = f(by[k]!, k);
  return out;
}

export interface LatencyPhase {
  rate: number;
  seconds: number;
  results: ByPath<RateResult>;
  /** % of a core of each path's own processes over the phase (undefined for direct). */
  ownCpu: ByPath<number | undefined>;
}

export function latencyRows(p: LatencyPhase): Row[] {
  const at = `at ${p.rate.toLocaleString('en-US')} req/s`;
  const direct = p.results.direct;
  const added = (f: (r: RateResult) => number) => each(p.results, (r, k) => (k === 'direct' || !direct ? undefined : f(r) - f(direct)));
  return [
    { figure: `fixed rate: p50 latency (ms, ${at}, ${p.seconds} s, from when each request was due)`, ...each(p.results, (r) => r.p50), digits: 2 },
    { figure: `fixed rate: p99 latency (ms, ${at})`, ...each(p.results, (r) => r.p99), digits: 2 },
    { figure: `fixed rate: p99.9 latency (ms, ${at})`, ...each(p.results, (r) => r.p999), digits: 2 },
    { figure: `fixed rate: added p50 over direct (ms, ${at})`, ...added((r) => r.p50), digits: 2 },
    {
      figure: `fixed rate: added p99 over direct (ms, ${at})`,
      ...added((r) => r.p99),
      digits: 2,
      limit: { max: ADDED_P99_GOAL_MS, text: `<= ${ADDED_P99_GOAL_MS} ms` },
    },
    { figure: `CPU ${at}: the path's own processes (% of a core)`, ...each(p.ownCpu, (v) => v) },
    {
      figure: `CPU ${at}: the path's own processes per request (µs)`,
      ...each(p.ownCpu, (v, k) => (v === undefined || !p.results[k] ? undefined : (v * 1e4) / p.rate)),
    },
  ];
}

/** Notes on a fixed-rate run that did not go as planned (errors, a generator that fell behind). */
export function latencyNotes(p: LatencyPhase): string[] {
  const notes: string[] = [];
  for (const [k, r] of Object.entries(p.results) as Array<[PathKey, RateResult]>) {
    if (r.non2xx || r.errors) notes.push(`fixed rate ${k}: ${r.non2xx} non-2xx responses, ${r.errors} errors or unfinished of ${r.scheduled}`);
    if (r.sentRate < p.rate * 0.98) notes.push(`fixed rate ${k}: the generator sent only ${r.sentRate.toFixed(0)} req/s of ${p.rate}`);
  }
  const lag = Object.values(p.results).map((r) => r!.lagP99);
  if (lag.length) notes.push(`fixed rate: the generator's own send lag (due → sent), p99 per path: ${lag.map((v) => v.toFixed(2)).join(' / ')} ms (in every path's latency alike)`);
  return notes;
}

export function concurrencyRows(by: ByPath<Record<number, LoadResult>>, levels: number[], seconds: number): Row[] {
  return levels.flatMap((c): Row[] => {
    const at = (f: (r: LoadResult) => number) => each(by, (r) => (r[c] ? f(r[c]) : undefined));
    const users = `${c} ${c === 1 ? 'user' : 'users'}`;
    return [
      { figure: `closed loop, ${users}: requests/s (${seconds} s)`, ...at((r) => r.rps) },
      { figure: `closed loop, ${users}: p50 latency (ms)`, ...at((r) => r.p50Ms), digits: 2 },
      { figure: `closed loop, ${users}: p99 latency (ms)`, ...at((r) => r.p99Ms), digits: 2 },
    ];
  });
}

export interface MjpegPhase {
  result: MjpegResult;
  /** What a frame is, e.g. `1920x1080, 12.7 KB`. */
  frame: string;
  cpu: Record<string, number>;
}

export function mjpegRows(p: MjpegPhase): Row[] {
  const r = p.result;
  const what = `${r.streams} viewers on ${r.devices} devices`;
  const own = ['gateway', 'edge', 'agent'].reduce((a, k) => a + (p.cpu[k] ?? 0), 0);
  return [
    { figure: `MJPEG, ${what}: total MB/s (${r.seconds.toFixed(0)} s, frames ${p.frame}, unpaced)`, tether: r.totalMBps },
    { figure: `MJPEG, ${what}: frames/s, all streams`, tether: r.framesPerSecond },
    { figure: 'MJPEG: per-stream MB/s, slowest', tether: r.perStream.min, digits: 2 },
    { figure: 'MJPEG: per-stream MB/s, median', tether: r.perStream.median, digits: 2 },
    { figure: 'MJPEG: per-stream MB/s, fastest', tether: r.perStream.max, digits: 2 },
    { figure: 'MJPEG: streams refused or cut short', tether: r.failed.length },
    {
      figure: 'MJPEG: slowest / median stream (no stream starves)',
      // Every stream at 0 (all cut short) is starving too, not a ratio to leave out.
      tether: r.streams && !(r.perStream.median > 0) ? 0 : r.perStream.minOverMedian,
      digits: 2,
      limit: { min: STARVING_SHARE, text: `>= ${STARVING_SHARE}` },
    },
    { figure: 'CPU MJPEG: tether gateway (% of a core)', tether: p.cpu.gateway },
    { figure: 'CPU MJPEG: tether edge (% of a core)', tether: p.cpu.edge },
    { figure: `CPU MJPEG: tether agent, ${r.devices} virtual cameras (% of a core)`, tether: p.cpu.agent },
    { figure: 'CPU MJPEG: the path\'s own processes per GB moved (CPU seconds)', tether: r.totalMBps > 0 ? (own * 10) / r.totalMBps : undefined, digits: 2 },
    { figure: 'CPU MJPEG: viewers (% of a core)', tether: p.cpu.client },
    { figure: 'CPU MJPEG: other processes on the machine (noise)', tether: p.cpu.others },
  ];
}

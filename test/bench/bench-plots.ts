// The figures of `npm run bench` as SVG (docs/plots/), from the run's results and from the fleet bench's
// docs/fleet-latest.json. Builders are pure (results in, Figure out); svg-plot.ts draws them.
import type { PathKey } from './bench-table';
import type { LoadResult } from './load-generator';
import type { RateResult } from './rate-generator';
import type { Figure, LegendEntry, Series } from './svg-plot';

export const PATH_COLORS: Record<PathKey, string> = { direct: '#7f7f7f', haproxy: '#2ca02c', openssh: '#1f77b4', tether: '#d62728' };
export const PATH_NAMES: Record<PathKey, string> = { direct: 'direct', haproxy: 'haproxy', openssh: 'OpenSSH + stunnel', tether: 'tether' };
const PATHS: PathKey[] = ['direct', 'haproxy', 'openssh', 'tether'];

const legendOf = (keys: PathKey[]): LegendEntry[] => keys.map((k) => ({ name: PATH_NAMES[k], color: PATH_COLORS[k] }));

/** The fixed-rate run: the CDF of latency per path, and its tail (the fraction slower than x) on a log scale. */
export function latencyCdfFigure(rate: number, seconds: number, byPath: Partial<Record<PathKey, RateResult>>): Figure | undefined {
  const keys = PATHS.filter((k) => byPath[k]?.cdf.length);
  if (!keys.length) return undefined;
  const cdf = (k: PathKey): Series => ({ name: PATH_NAMES[k], color: PATH_COLORS[k], points: byPath[k]!.cdf, markers: false });
  // 1 - F(x), without the last point (0 has no place on a log scale); floored at one request in the run.
  const tail = (k: PathKey): Series => ({
    name: PATH_NAMES[k],
    color: PATH_COLORS[k],
    markers: false,
    points: byPath[k]!.cdf.filter(([, f]) => f < 1).map(([ms, f]) => [ms, 1 - f]),
  });
  return {
    title: `Latency at a constant ${rate.toLocaleString('en-US')} req/s (1 KiB responses, ${seconds} s per path)`,
    legend: legendOf(keys),
    panels: [
      { kind: 'line', title: 'CDF', x: { label: 'latency (ms, from when each request was due)', log: true }, y: { label: 'fraction of requests', min: 0, max: 1 }, series: keys.map(cdf) },
      { kind: 'line', title: 'Tail: fraction slower than x', x: { label: 'latency (ms)', log: true }, y: { label: 'fraction slower (log)', log: true }, series: keys.map(tail) },
    ],
    note: 'npm run bench: open-loop Node generator, keep-alive connections; latency counted from the scheduled send time',
  };
}

export interface Throughput {
  smallRps?: number;
  downloadMBps?: number;
  uploadMBps?: number;
}

/** Small requests/s, bulk download and upload MB/s per path. */
export function throughputFigure(byPath: Partial<Record<PathKey, Throughput>>, note: string): Figure | undefined {
  const keys = PATHS.filter((k) => byPath[k]);
  if (!keys.length) return undefined;
  const bars = (f: (t: Throughput) => number | undefined) => keys.map((k) => ({ name: short(k), value: f(byPath[k]!), color: PATH_COLORS[k] }));
  return {
    title: 'Throughput per path',
    legend: legendOf(keys),
    panels: [
      { kind: 'bar', title: 'Small requests (1 KiB, 32 conns)', y: { label: 'requests/s' }, bars: bars((t) => t.smallRps) },
      { kind: 'bar', title: 'Bulk download', y: { label: 'MB/s' }, bars: bars((t) => t.downloadMBps) },
      { kind: 'bar', title: 'Bulk upload', y: { label: 'MB/s' }, bars: bars((t) => t.uploadMBps) },
    ],
    note,
  };
}

function short(k: PathKey): string {
  return k === 'openssh' ? 'OpenSSH' : PATH_NAMES[k];
}

/** Closed-loop runs at 1 / 32 / 256 connections: requests/s, and p50 (solid) and p99 (dashed) latency. */
export function concurrencyFigure(byPath: Partial<Record<PathKey, Record<number, LoadResult>>>): Figure | undefined {
  const keys = PATHS.filter((k) => byPath[k] && Object.keys(byPath[k]!).length);
  if (!keys.length) return undefined;
  const points = (k: PathKey, f: (r: LoadResult) => number): Array<[number, number]> =>
    Object.entries(byPath[k]!)
      .map(([c, r]): [number, number] => [Number(c), f(r)])
      .sort((a, b) => a[0] - b[0]);
  return {
    title: 'Latency against concurrent users (closed loop, 1 KiB responses)',
    legend: [...legendOf(keys), { name: 'p50', color: '#333' }, { name: 'p99', color: '#333', dash: true }],
    panels: [
      {
        kind: 'line',
        title: 'Requests/s',
        x: { label: 'concurrent users (connections)', log: true },
        y: { label: 'requests/s', log: true },
        series: keys.map((k) => ({ name: PATH_NAMES[k], color: PATH_COLORS[k], points: points(k, (r) => r.rps) })),
      },
      {
        kind: 'line',
        title: 'Latency p50 and p99',
        x: { label: 'concurrent users (connections)', log: true },
        y: { label: 'latency (ms)', log: true },
        series: keys.flatMap((k) => [
          { name: `${PATH_NAMES[k]} p50`, color: PATH_COLORS[k], points: points(k, (r) => r.p50Ms) },
          { name: `${PATH_NAMES[k]} p99`, color: PATH_COLORS[k], dash: true, points: points(k, (r) => r.p99Ms) },
        ]),
      },
    ],
    note: 'npm run bench: wrk -t1 -cN (or the Node generator), 32 = the small-request phase',
  };
}

interface FleetStage {
  devices: number;
  rssKiB: number;
  cpuPercent?: number;
  cpuMedian1sPercent?: number;
}

/** Edge RSS and idle CPU against devices, from the fleet bench's JSON (undefined when it has no stages). */
export function fleetFigure(json: unknown): Figure | undefined {
  const j = json as { date?: unknown; mode?: unknown; baselineRssKiB?: unknown; stages?: unknown };
  if (!j || !Array.isArray(j.stages)) return undefined;
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const stages = (j.stages as FleetStage[]).filter((s) => s && isNum(s.devices) && isNum(s.rssKiB));
  if (!stages.length) return undefined;
  const base = isNum(j.baselineRssKiB) ? j.baselineRssKiB : undefined;
  const rss: Array<[number, number]> = [...(base !== undefined ? [[0, base / 1024] as [number, number]] : []), ...stages.map((s): [number, number] => [s.devices, s.rssKiB / 1024])];
  const maxDevices = Math.max(...stages.map((s) => s.devices));
  const cpu = (f: (s: FleetStage) => number | undefined) => stages.filter((s) => isNum(f(s))).map((s): [number, number] => [s.devices, f(s)!]);
  const goal = '#999999';
  return {
    title: 'Edge with idle devices (fleet bench)',
    legend: [
      { name: 'RSS; CPU: worst 10 s window', color: '#d62728' },
      { name: 'CPU: median of 1 s samples', color: '#ff7f0e' },
      { name: 'goal', color: goal, dash: true },
    ],
    panels: [
      {
        kind: 'line',
        title: 'Edge RSS',
        x: { label: 'devices on the edge', min: 0 },
        y: { label: 'RSS (MiB)' },
        series: [
          { name: 'edge RSS', color: '#d62728', points: rss },
          ...(base !== undefined ? [{ name: 'goal: 40 KiB per device', color: goal, dash: true, markers: false, points: [[0, base / 1024], [maxDevices, (base + 40 * maxDevices) / 1024]] as Array<[number, number]> }] : []),
        ],
      },
      {
        kind: 'line',
        title: 'Edge CPU, idle devices',
        x: { label: 'devices on the edge', min: 0 },
        y: { label: '% of a core', min: 0 },
        series: [
          { name: 'worst 10 s window', color: '#d62728', points: cpu((s) => s.cpuPercent) },
          { name: 'median of 1 s samples', color: '#ff7f0e', points: cpu((s) => s.cpuMedian1sPercent) },
          { name: 'goal: < 5 %', color: goal, dash: true, markers: false, points: [[0, 5], [maxDevices, 5]] },
        ],
      },
    ],
    note: `npm run bench:fleet, run of ${typeof j.date === 'string' ? j.date : '?'} (${typeof j.mode === 'string' ? j.mode : '?'}): docs/fleet-latest.json`,
  };
}

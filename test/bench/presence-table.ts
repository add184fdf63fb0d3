// The report of `npm run bench:presence`: two tables (lookups against the store; the gateway end to end) and
// the section of docs/benchmarks.md between the presence markers. Pure except writePresenceSection().
import { withSection, writeSection } from './doc-section';
import type { LoadResult } from './load-generator';

export const PRESENCE_START = '<!-- presence:start -->';
export const PRESENCE_END = '<!-- presence:end -->';
/** Where the section goes in a doc that has none yet. */
const BEFORE = '## Observations';

/** Lookups against the store with `devices` records in Redis. */
export interface LookupStage {
  devices: number;
  /** µs per lookup, one at a time (a round trip each). */
  sequentialUs: number;
  /** µs of wall time per lookup with `concurrency` in flight. */
  concurrentUs: number;
  concurrency: number;
  /** redis-server CPU (user + system) per lookup, µs, one at a time and with `concurrency` in flight. */
  redisSequentialCpuUs: number;
  redisConcurrentCpuUs: number;
}

export interface Sample {
  small: LoadResult;
  /** µs of CPU per request. */
  gatewayCpuUs: number;
  redisCpuUs: number;
}

/** The gateway routes once per user connection and device: keep-alive runs route 32 times in all. */
export interface PresenceEndToEnd {
  keepAlive: Sample;
  /** `Connection: close`: every request a new connection, so every request is routed. */
  perRequest: Sample;
}

export interface EndToEnd {
  /** Which gateway, e.g. its presence cache setting. */
  gateway: string;
  without: PresenceEndToEnd;
  with: PresenceEndToEnd;
  seconds: number;
  perRequestSeconds: number;
  rounds: number;
  generator: string;
}

export interface PresenceRun {
  date: string;
  mode: string;
  machine: string;
  redis: string;
  fill: { devices: number; seconds: number };
  /** used_memory growth per device record, bytes. */
  bytesPerDevice: number;
  stages: LookupStage[];
  /** One entry per gateway configuration measured. */
  e2e: EndToEnd[];
  notes: string[];
}

const n = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');

export function lookupTable(r: PresenceRun): string[] {
  const head = ['figure', ...r.stages.map((s) => `${n(s.devices)} devices in Redis`)];
  const row = (figure: string, f: (s: LookupStage) => string) => `| ${[figure, ...r.stages.map(f)].join(' | ')} |`;
  return [
    `| ${head.join(' | ')} |`,
    `|---|${r.stages.map(() => '---:').join('|')}|`,
    row('lookup, one at a time (µs per lookup, round trip)', (s) => n(s.sequentialUs, 1)),
    row(`lookup, ${r.stages[0]?.concurrency ?? 32} at once (µs of wall time per lookup)`, (s) => n(s.concurrentUs, 1)),
    row(`lookups/s, ${r.stages[0]?.concurrency ?? 32} at once`, (s) => n(1e6 / s.concurrentUs)),
    row('redis-server CPU per lookup, one at a time (µs)', (s) => n(s.redisSequentialCpuUs, 1)),
    row(`redis-server CPU per lookup, ${r.stages[0]?.concurrency ?? 32} at once (µs)`, (s) => n(s.redisConcurrentCpuUs, 1)),
  ];
}

export function endToEndTable(e: EndToEnd): string[] {
  const ratio = (a: number, b: number) => (a > 0 && Number.isFinite(b) ? `${(b / a).toFixed(2)}x` : '');
  const row = (figure: string, f: (x: PresenceEndToEnd) => number, digits = 0) =>
    `| ${figure} | ${n(f(e.without), digits)} | ${n(f(e.with), digits)} | ${ratio(f(e.without), f(e.with))} |`;
  const mode = (label: string, secs: number, g: (x: PresenceEndToEnd) => Sample) => [
    row(`${label}: small requests/s (1 KiB, 32 conns, ${secs} s × ${e.rounds})`, (x) => g(x).small.rps),
    row(`${label}: p50 latency (ms)`, (x) => g(x).small.p50Ms, 2),
    row(`${label}: p99 latency (ms)`, (x) => g(x).small.p99Ms, 2),
    row(`${label}: gateway CPU per request (µs)`, (x) => g(x).gatewayCpuUs),
    row(`${label}: redis-server CPU per request (µs)`, (x) => g(x).redisCpuUs, 1),
  ];
  return [
    `${e.gateway}:`,
    '',
    '| figure | without extra records | with 100,000 records | with/without |',
    '|---|---:|---:|---:|',
    ...mode('keep-alive (routed once per connection)', e.seconds, (x) => x.keepAlive),
    ...mode('new connection per request (routed every request)', e.perRequestSeconds, (x) => x.perRequest),
  ];
}

export function presenceSection(r: PresenceRun): string {
  return [
    PRESENCE_START,
    '## Presence lookups with 100,000 devices',
    '',
    'Measured by `npm run bench:presence` (`test/bench/presence-bench.ts`); this section is rewritten by each run.',
    '',
    '**Method.** A redis-server of its own (`RedisFixture`, no persistence), filled through the real store',
    '(`RedisPresenceStore.claim()`, 1,000 in flight) with records of consecutive MACs; lookups are',
    '`RedisPresenceStore.lookup()` (`HGETALL tether:dev:<mac>`, what the gateway asks per request without a cache) of',
    'random MACs of the fill, one at a time and 32 at once, from one ioredis connection in the bench process;',
    'redis-server CPU from `/proc/<pid>/stat` (one at a time, every command costs Redis a read and a write of its',
    'own, as a gateway routing a request now and then; 32 in flight, one read takes several); memory per device =',
    'growth of `INFO memory` `used_memory` / devices.',
    'End to end: the bench\'s cluster shape (a redis-server, 1 edge, 1 gateway, an agent with nginx as its target),',
    'small requests through the gateway (keep-alive, and a new connection per request: the gateway routes once per',
    'connection and device, so only the latter routes every request), alternately without and with 100,000 extra',
    'presence records (claimed for the same edge, deleted again after each "with" run, 2 s of quiet after each',
    'change for the pub/sub invalidations to pass); when the configuration knows `presence_cache_size`,',
    'also through a second gateway on the same Redis and edge with `presence_cache_size = 0`: a Redis lookup per request.',
    '',
    `Run of ${r.date} (${r.mode}). Machine: ${r.machine}. ${r.redis}.`,
    '',
    `- fill: ${n(r.fill.devices)} records in ${n(r.fill.seconds, 1)} s (${n(r.fill.devices / r.fill.seconds)} claims/s)`,
    `- Redis memory per device record: ${n(r.bytesPerDevice)} bytes (\`used_memory\` growth / ${n(r.fill.devices)})`,
    '',
    ...lookupTable(r),
    ...r.e2e.flatMap((e) => ['', ...endToEndTable(e)]),
    ...(r.notes.length ? ['', ...r.notes.map((x) => `- ${x}`)] : []),
    PRESENCE_END,
  ].join('\n');
}

/** Replaces the section between the markers, or adds it before the Observations (or at the end). */
export function withPresenceSection(doc: string, r: PresenceRun): string {
  return withSection(doc, PRESENCE_START, PRESENCE_END, presenceSection(r), BEFORE);
}

export function writePresenceSection(path: string, r: PresenceRun): void {
  writeSection(path, PRESENCE_START, PRESENCE_END, presenceSection(r), BEFORE);
}

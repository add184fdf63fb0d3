// `npm run bench:flame [-- --quick] [--no-write] [--keep DIR]`: where each hop of the tether path spends its time.
// The cluster of `npm run bench` (gateway, one edge, two agents, nginx or the Node origin), its processes with the
// inspector's CPU profiler hooked in (fleet/cpu-profile-preload: SIGUSR2 starts a profile, the next one writes it).
// After a warm-up, three phases, each profiled in gateway, edge and agent over exactly its own window: small
// requests (32 users, wrk or the Node generator), one bulk download and one bulk upload with curl. Writes a flame
// graph per phase (docs/plots/flame-<phase>.svg, the three hops on one time scale) and the section of
// docs/benchmarks.md between the flame markers: self time by kind of work per hop, as a share and per request
// or per GB. The profiler slows each process a little: the figures of `npm run bench` are measured without it.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TetherCluster, TetherProcess } from '@tether/testing';
import { curlGet, curlPut, WARM_BYTES } from './bench-phases';
import { machineLine } from './bench-table';
import { writeSection } from './doc-section';
import { assertPreloaded, edgeAllocator } from './edge-allocator';
import { CpuProfile, Frame, flameSvg, flameTree, Kind, KINDS, selfByKind } from './flame-graph';
import { nodeGenerator, pickGenerator } from './load-generator';
import { BenchOrigin, startNodeOrigin, startOrigin, writeBytesFile } from './origin';
import { machineInfo, stopper } from './proc';
import { profileSignal } from './fleet/profile-files';

export const FLAME_START = '<!-- flame:start -->';
export const FLAME_END = '<!-- flame:end -->';
const MAC = '00408c0be7c4';
const UPLOAD_MAC = '00408c0be7c5';
const SMALL = 1024;
const CONNECTIONS = 32;
const LOGLEVEL = 3;
const HOPS = ['gateway', 'edge', 'agent'] as const;
type Hop = (typeof HOPS)[number];

const started = performance.now();
const say = (s: string) => console.log(`[flame ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);

/** One profiled phase: the hops' call trees and what the phase moved. */
export interface PhaseProfile {
  name: string;
  title: string;
  /** Requests (small) or bytes (bulk) the phase moved, and the unit the table divides by. */
  work: number;
  unit: 'request' | 'GB';
  seconds: number;
  trees: Record<Hop, Frame>;
}

/** `us` of CPU as µs per request or CPU ms per GB of the phase, formatted (without the unit). */
function perWork(p: PhaseProfile, us: number): string {
  return p.unit === 'request' ? (us / p.work).toFixed(1) : (us / 1000 / (p.work / 1e9)).toFixed(0);
}

/** The unit of perWork. */
function perUnit(p: PhaseProfile): string {
  return p.unit === 'request' ? 'µs per request' : 'CPU ms per GB';
}

/** Self time by kind per hop: share of the hop's busy time, and µs per request or CPU ms per GB. */
export function phaseTable(p: PhaseProfile): string {
  const head = HOPS.map((h) => `${h} (${perWork(p, p.trees[h].total)} ${p.unit === 'request' ? 'µs' : 'ms'})`);
  const by = HOPS.map((h) => selfByKind(p.trees[h]));
  const rows = (Object.keys(KINDS) as Kind[]).map((k) => {
    const cells = HOPS.map((h, i) => {
      const us = by[i][k];
      return us ? `${Math.round((us / Math.max(1, p.trees[h].total)) * 100)} % · ${perWork(p, us)}` : '—';
    });
    return `| ${KINDS[k].label} | ${cells.join(' | ')} |`;
  });
  return [
    `| where (share · ${perUnit(p)}) | ${head.join(' | ')} |`,
    `|---|${HOPS.map(() => '---:').join('|')}|`,
    ...rows,
  ].join('\n');
}

export function flameSection(phases: PhaseProfile[], machine: string, date: string, quick: boolean): string {
  const lines = [
    FLAME_START,
    '### Flame graphs of each hop',
    '',
    `Made by \`npm run bench:flame${quick ? ' -- --quick' : ''}\` (\`test/bench/flame-bench.ts\`) on ${date}; this section and`,
    '`docs/plots/flame-*.svg` are rewritten by each run. The cluster of `npm run bench`; gateway, edge and agent',
    "run with the inspector's CPU profiler, started and stopped around each phase, so a profile holds that phase",
    'and nothing else (no start-up, no warm-up). Idle time is left out; the busy time is the profile\'s, with the',
    "profiler's own cost in it. In the graphs callers are above what they call, the three hops share one time",
    'scale (the busiest spans the width), and every frame has a tooltip with its time (open the SVG on its own).',
    '',
    `- machine: ${machine}`,
  ];
  for (const p of phases) {
    lines.push(
      '',
      `**${p.title}** (${p.unit === 'request' ? `${p.work.toLocaleString('en-US')} requests in ${p.seconds.toFixed(1)} s` : `${(p.work / 2 ** 20).toFixed(0)} MiB in ${p.seconds.toFixed(1)} s`}):`,
      '',
      phaseTable(p),
      '',
      `![flame graphs, ${p.title}](plots/flame-${p.name}.svg)`,
    );
  }
  lines.push(FLAME_END);
  return lines.join('\n');
}

interface Options {
  quick: boolean;
  write: boolean;
  keep?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--keep') o.keep = argv[++i];
    else throw new Error(`unknown flag ${a} (flags: --quick, --no-write, --keep DIR)`);
  }
  return o;
}

/** The profiler hook's signals, counted per process: odd ones start a profile, even ones write it. */
class Profiler {
  private readonly signals = new Map<number, number>();
  constructor(private readonly dir: string) {}

  private signal(p: TetherProcess): Promise<string> {
    const n = (this.signals.get(p.pid as number) ?? 0) + 1;
    this.signals.set(p.pid as number, n);
    return profileSignal(this.dir, p, n);
  }

  async start(procs: TetherProcess[]): Promise<void> {
    await Promise.all(procs.map((p) => this.signal(p)));
  }

  async stop(procs: TetherProcess[]): Promise<Frame[]> {
    const files = await Promise.all(procs.map((p) => this.signal(p)));
    return files.map((f) => flameTree(JSON.parse(readFileSync(f, 'utf8')) as CpuProfile));
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const smallSeconds = opts.quick ? 3 : 10;
  const warmSeconds = opts.quick ? 3 : 5;
  const bulkBytes = (opts.quick ? 128 : 512) << 20;
  const work = mkdtempSync(join(tmpdir(), 'tether-flame-'));
  const dir = opts.keep ?? join(work, 'profiles');
  mkdirSync(dir, { recursive: true });
  // Every Node process started from here on loads the hook; it does nothing until a SIGUSR2.
  process.env.FLEET_PROFILE_DIR = dir;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'fleet', 'cpu-profile-preload.js')}`.trim();

  let cluster: TetherCluster | undefined;
  let origin: BenchOrigin | undefined;
  let uploadOrigin: BenchOrigin | undefined;
  const stopAll = stopper(work, say, () => [
    ['cluster', cluster && (() => cluster!.stop())],
    ['origin', origin && (() => origin!.stop())],
    ['upload origin', uploadOrigin && (() => uploadOrigin!.stop())],
  ]);

  try {
    const gen = await pickGenerator('auto', true);
    origin = await startOrigin([SMALL, WARM_BYTES, bulkBytes], 'auto');
    uploadOrigin = await startNodeOrigin();
    const files = { warm: join(work, 'upload-warm'), bulk: join(work, 'upload-bulk') };
    writeBytesFile(files.warm, WARM_BYTES);
    writeBytesFile(files.bulk, bulkBytes);
    const allocator = await edgeAllocator(true);
    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: LOGLEVEL }, gatewayConfig: { loglevel: LOGLEVEL }, edgeEnv: allocator.env });
    assertPreloaded(allocator, [cluster.edges[0].proc.pid]);
    const c = cluster;
    const agent = async (mac: string, target: string) =>
      c.agent(['--servers', c.servers(), '--cert', await c.pki.deviceCert(mac), '--target', target, '--max-conn', '256', '--loglevel', String(LOGLEVEL)]);
    const agents = { small: await agent(MAC, origin.url), upload: await agent(UPLOAD_MAC, uploadOrigin.url) };
    say(`cluster up; load generator ${gen.name}, origin ${origin.kind}, edge allocator ${allocator.label}`);

    const target = { port: c.userPort, path: `http://${MAC}/bytes/${SMALL}` };
    const download = (n: number) => curlGet(['-x', c.proxy, `http://${MAC}/bytes/${n}`], n);
    const upload = (file: string, n: number) => curlPut(['-x', c.proxy, `http://${UPLOAD_MAC}/discard`], file, n);
    say(`warming up: ${warmSeconds} s of small requests, a download and an upload of ${WARM_BYTES >> 20} MiB`);
    await nodeGenerator().run(target, CONNECTIONS, warmSeconds);
    await download(WARM_BYTES);
    await upload(files.warm, WARM_BYTES);

    const profiler = new Profiler(dir);
    const phases: PhaseProfile[] = [];
    const profiled = async (name: string, title: string, procs: TetherProcess[], unit: PhaseProfile['unit'], body: () => Promise<number>) => {
      await profiler.start(procs);
      const t0 = performance.now();
      const moved = await body();
      const seconds = (performance.now() - t0) / 1000;
      const [gateway, edge, agentTree] = await profiler.stop(procs);
      phases.push({ name, title, work: moved, unit, seconds, trees: { gateway, edge, agent: agentTree } });
      say(`${title}: ${unit === 'request' ? `${moved} requests` : `${moved >> 20} MiB`} in ${seconds.toFixed(1)} s`);
    };
    const hops = (a: TetherProcess) => [c.gateway, c.edges[0].proc, a];
    say(`small requests: ${CONNECTIONS} users, ${smallSeconds} s`);
    await profiled('small', `small requests (1 KiB, ${CONNECTIONS} users)`, hops(agents.small), 'request', async () => (await gen.run(target, CONNECTIONS, smallSeconds)).requests);
    await profiled('download', 'bulk download (curl)', hops(agents.small), 'GB', async () => (await download(bulkBytes)).bytes);
    await profiled('upload', 'bulk upload (curl -T)', hops(agents.upload), 'GB', async () => (await upload(files.bulk, bulkBytes)).bytes);

    for (const p of phases) {
      console.log(`\n${p.title}\n${phaseTable(p)}`);
    }
    if (opts.write) {
      const plots = join(REPO_ROOT, 'docs', 'plots');
      mkdirSync(plots, { recursive: true });
      for (const p of phases) {
        const svg = flameSvg(
          `${p.title}: where gateway, edge and agent spend their time`,
          HOPS.map((h) => ({ title: `${h}: ${perWork(p, p.trees[h].total)} ${perUnit(p)} (${(p.trees[h].total / 1e6).toFixed(2)} s busy in ${p.seconds.toFixed(1)} s)`, root: p.trees[h] })),
          'V8 CPU profiles (npm run bench:flame); callers above callees; hover a frame for its time',
        );
        writeFileSync(join(plots, `flame-${p.name}.svg`), svg);
      }
      writeSection(join(REPO_ROOT, 'docs', 'benchmarks.md'), FLAME_START, FLAME_END, flameSection(phases, machineLine(machineInfo()), new Date().toISOString().slice(0, 16) + 'Z', opts.quick), '## How to reproduce');
      say('wrote docs/plots/flame-*.svg and the flame section of docs/benchmarks.md');
    }
    if (opts.keep) say(`profiles kept in ${opts.keep}`);
  } catch (err) {
    console.error(`flame bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

if (require.main === module) void main();

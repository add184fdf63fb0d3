// `npm run bench [-- --quick]`: the figures of the request path, direct to an origin, through the baselines an
// operator could use instead (haproxy, one HTTP hop; an OpenSSH reverse tunnel inside stunnel, the O3C shape in
// C) and through the whole tether cluster path (gateway -> gRPC -> edge -> SSH in mutual TLS -> agent -> origin),
// all in the same run, with the CPU split: small requests, bulk download and upload, latency at a constant
// 1,000 req/s, latency against 1 / 32 / 256 users, and 50 MJPEG viewers of 10 virtual cameras (tether only).
// Prints a table at the end, writes it to docs/benchmarks.md between the bench markers and the plots to
// docs/plots/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { raiseFdLimit, REPO_ROOT, TetherCluster, TetherProcess } from '@tether/testing';
import { assertPreloaded, edgeAllocator } from './edge-allocator';
import { Baseline, startHaproxy, startOpenSsh } from './baselines';
import { curlGet, curlPut, Phase, ratePhase, smallPhase, Transfer, transferPhase, untilAnswering, WARM_BYTES } from './bench-phases';
import { concurrencyFigure, fleetFigure, latencyCdfFigure, PATH_NAMES, throughputFigure } from './bench-plots';
import { concurrencyRows, latencyNotes, LatencyPhase, latencyRows, mjpegRows, MjpegPhase } from './bench-rows';
import { met, PathKey, Row, RunInfo, textTable, writeDoc } from './bench-table';
import { LoadResult, LoadTarget, nodeGenerator, pickGenerator } from './load-generator';
import { mjpegPhase, UNPACED_FPS } from './mjpeg-viewers';
import { BenchOrigin, startNodeOrigin, startOrigin, writeBytesFile } from './origin';
import { machineInfo, OTHERS, redisPid, stopper, Watched } from './proc';
import { RATE_GENERATOR, RateResult } from './rate-generator';
import { Figure, svgFigure } from './svg-plot';

/** The device whose agent targets the origin (small requests, downloads). */
const MAC = '00408c0be7c4';
/** The device whose agent targets the upload origin (the Node discard server). */
const UPLOAD_MAC = '00408c0be7c5';
/** The first of the virtual cameras of the MJPEG phase. */
const CAMERA_MAC = '00408c0be800';
/** The goal of the throughput rows: tether at least this times the OpenSSH tunnel (PERFORMANCE.md). */
const GOAL = 1.0;
const SMALL = 1024;
const CONNECTIONS = 32;
/** Closed-loop runs at these numbers of users; 32 is the small-request phase itself. */
const CONCURRENCY = [1, CONNECTIONS, 256];
/** Concurrent requests the agent serves: as many as the most connections of any phase, so the device is not the cap. */
const AGENT_MAX_CONN = Math.max(...CONCURRENCY);
/** The constant rate of the latency phase (requests/s). */
const RATE = 1000;
const CAMERAS = 10;
const VIEWERS = 50;
const FRAME_SIZE = '1920x1080';
/** Log level of edge, gateway and agent: notice (the fixtures wait for notice lines; nothing per request). */
const LOGLEVEL = 3;

const STEPS = ['small', 'bulk', 'upload', 'latency', 'concurrency', 'mjpeg'] as const;
type Step = (typeof STEPS)[number];

interface Options {
  quick: boolean;
  generator: 'auto' | 'wrk' | 'node';
  origin: 'auto' | 'nginx' | 'node';
  install: boolean;
  baselines: boolean;
  write: boolean;
  /** The phases to run (`--only`); all by default. */
  steps: Set<Step>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, generator: 'auto', origin: 'auto', install: true, baselines: true, write: true, steps: new Set(STEPS) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--no-install') o.install = false;
    else if (a === '--no-write') o.write = false;
    else if (a === '--no-baselines') o.baselines = false;
    else if (a.startsWith('--generator')) o.generator = value() as Options['generator'];
    else if (a.startsWith('--origin')) o.origin = value() as Options['origin'];
    else if (a.startsWith('--only')) {
      const want = value().split(',').map((s) => s.trim()) as Step[];
      const bad = want.filter((s) => !STEPS.includes(s));
      if (bad.length) throw new Error(`--only: ${bad.join(', ')}? (phases: ${STEPS.join(', ')})`);
      o.steps = new Set(want);
      // A partial table would replace the whole "Latest run": print only.
      o.write = false;
    } else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--quick] [--only small,bulk,upload,latency,concurrency,mjpeg] [--generator wrk|node] [--origin nginx|node]\n' +
          '                 [--no-install] [--no-baselines] [--no-write]    (--only implies --no-write)',
      );
      process.exit(0);
    } else throw new Error(`unknown flag ${a} (see --help)`);
  }
  if (!['auto', 'wrk', 'node'].includes(o.generator)) throw new Error(`--generator: wrk or node, not ${o.generator}`);
  if (!['auto', 'nginx', 'node'].includes(o.origin)) throw new Error(`--origin: nginx or node, not ${o.origin}`);
  return o;
}

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const say = (s: string) => console.log(`[bench ${elapsed().padStart(7)}] ${s}`);

type PhaseName = 'small' | 'bulk' | 'upload';

interface Measured {
  small?: Phase<LoadResult>;
  bulk?: Phase<Transfer>;
  upload?: Phase<Transfer>;
  latency?: Phase<RateResult>;
  /** Closed-loop runs by number of connections (32: the small phase). */
  concurrency: Record<number, LoadResult>;
}

/** The path's own processes per column, in the CPU rows: [column, process name, label]. */
const PROCESSES: [PathKey, string, string][] = [
  ['tether', 'gateway', 'tether gateway'],
  ['tether', 'edge', 'tether edge'],
  ['tether', 'agent', 'tether agent'],
  ['tether', 'redis', 'redis (tether presence)'],
  ['haproxy', 'haproxy', 'haproxy'],
  ['openssh', 'sshd', 'sshd (listener + session processes)'],
  ['openssh', 'ssh', 'ssh -R (device side)'],
  ['openssh', 'stunnel-server', 'stunnel, server side'],
  ['openssh', 'stunnel-device', 'stunnel, device side'],
];
const CLIENT = { small: 'load generator', bulk: 'curl', upload: 'curl' } as const;
const ownNames = (key: PathKey) => PROCESSES.filter(([k]) => k === key).map(([, n]) => n);
/** The sum of a CPU record (% of a core), without the noise, and only `names` when given. */
const sumCpu = (r: Record<string, number>, names?: string[]) =>
  Object.entries(r).reduce((a, [k, v]) => (k === OTHERS || (names && !names.includes(k)) ? a : a + v), 0);

/** Writes the figures as docs/plots/<name>.svg; returns the Markdown that shows them. */
function writePlots(figures: Array<[string, string, Figure | undefined]>): string[] {
  const dir = join(REPO_ROOT, 'docs', 'plots');
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (const [name, alt, fig] of figures) {
    if (!fig) continue;
    writeFileSync(join(dir, `${name}.svg`), svgFigure(fig));
    lines.push(`![${alt}](plots/${name}.svg)`, '');
  }
  return lines.slice(0, -1);
}

function readFleet(): unknown {
  const file = join(REPO_ROOT, 'docs', 'fleet-latest.json');
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const steps = opts.steps;
  const smallSeconds = opts.quick ? 3 : 10;
  /** The tether processes need a few seconds of load before the JIT has done its work. */
  const warmSeconds = opts.quick ? 3 : 5;
  const bulkBytes = (opts.quick ? 128 : 512) << 20;
  const rateSeconds = opts.quick ? 3 : 15;
  const concurrencySeconds = opts.quick ? 2 : 5;
  const mjpegSeconds = opts.quick ? 5 : 10;
  const baselineSteps = (['small', 'bulk', 'upload', 'latency', 'concurrency'] as const).filter((s) => steps.has(s));
  const withBaselines = opts.baselines && baselineSteps.length > 0;
  const paths = withBaselines ? 'direct, haproxy, OpenSSH + stunnel, tether' : 'direct, tether';
  say(
    `${opts.quick ? 'quick' : 'full'} run of ${[...steps].join(', ')}: small requests ${smallSeconds} s, bulk ${bulkBytes >> 20} MiB, ` +
      `${RATE} req/s for ${rateSeconds} s, ${CONCURRENCY.join('/')} users ${concurrencySeconds} s, MJPEG ${mjpegSeconds} s; on ${paths}`,
  );
  const fd = raiseFdLimit(8192);
  if (fd.error) say(`notice: open files limit ${fd.soft} (${fd.error}); 256 connections per path need a few hundred`);

  let cluster: TetherCluster | undefined;
  let origin: BenchOrigin | undefined;
  let uploadOrigin: BenchOrigin | undefined;
  const baselines: Partial<Record<'haproxy' | 'openssh', Baseline>> = {};
  const work = mkdtempSync(join(tmpdir(), 'tether-bench-'));
  const stopAll = stopper(work, say, () => [
    ...Object.values(baselines).map((b): [string, () => Promise<void>] => ['baseline', () => b.stop()]),
    ['cluster', cluster && (() => cluster!.stop())],
    ['origin', origin && (() => origin!.stop())],
    ['upload origin', uploadOrigin && (() => uploadOrigin!.stop())],
  ]);

  try {
    const gen = await pickGenerator(opts.generator, opts.install);
    say(`load generator: ${gen.name}`);
    origin = await startOrigin([SMALL, WARM_BYTES, bulkBytes], opts.origin);
    say(`origin: ${origin.kind} at ${origin.url}`);
    uploadOrigin = await startNodeOrigin();
    say(`upload origin: ${uploadOrigin.kind} at ${uploadOrigin.url}/discard`);
    const files = { [WARM_BYTES]: join(work, `upload-${WARM_BYTES}`), [bulkBytes]: join(work, `upload-${bulkBytes}`) };
    for (const [n, file] of Object.entries(files)) writeBytesFile(file, Number(n));
    const port = (url: string) => Number(new URL(url).port);
    const targets = { origin: port(origin.url), upload: port(uploadOrigin.url) };

    const baselineLines: string[] = [];
    const starts = { haproxy: startHaproxy, openssh: startOpenSsh } as const;
    const titles = { haproxy: 'haproxy (one HTTP hop)', openssh: 'OpenSSH + stunnel (reverse tunnel inside TLS)' } as const;
    for (const key of ['haproxy', 'openssh'] as const) {
      if (!withBaselines) {
        baselineLines.push(`${titles[key]}: not measured (${opts.baselines ? 'no phase of this run needs it' : '`--no-baselines`'})`);
        continue;
      }
      const b = await starts[key](work, targets, opts.install).catch((err: Error) => `did not start: ${err.message.split('\n')[0]}`);
      if (typeof b === 'string') {
        say(`notice: skipping the ${titles[key]} baseline: ${b}`);
        baselineLines.push(`${titles[key]}: skipped (${b})`);
      } else {
        baselines[key] = b;
        say(`${titles[key]}: ${b.kind}, on ports ${b.port} (origin) and ${b.uploadPort} (upload origin)`);
        baselineLines.push(`${titles[key]}: ${b.kind}`);
      }
    }

    const allocator = await edgeAllocator(opts.install);
    say(`edge allocator: ${allocator.label}`);
    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: LOGLEVEL }, gatewayConfig: { loglevel: LOGLEVEL }, edgeEnv: allocator.env });
    assertPreloaded(allocator, [cluster.edges[0].proc.pid]);
    const startAgent = async (mac: string, target: string) =>
      cluster!.agent([
        '--servers', cluster!.servers(), '--cert', await cluster!.pki.deviceCert(mac), '--target', target,
        '--max-conn', String(AGENT_MAX_CONN), '--loglevel', String(LOGLEVEL),
      ]);
    const agent: TetherProcess = await startAgent(MAC, origin.url);
    const uploadAgent: TetherProcess = await startAgent(UPLOAD_MAC, uploadOrigin.url);
    say(`cluster up: gateway ${cluster.proxy}, edge ${cluster.servers()}, agents ${MAC} -> ${origin.url}, ${UPLOAD_MAC} -> ${uploadOrigin.url}`);

    const originCpu: Watched = { name: 'origin', pid: origin.pids };
    const uploadOriginCpu: Watched = { name: 'origin', pid: uploadOrigin.pids };
    const tetherOwn = (a: TetherProcess | undefined): Watched[] => [
      { name: 'gateway', pid: cluster!.gateway.pid },
      { name: 'edge', pid: cluster!.edges[0].proc.pid },
      ...(a ? [{ name: 'agent', pid: a.pid }] : []),
      { name: 'redis', pid: redisPid(cluster!.redis.port) },
    ];
    const local = (p: number, path: string) => ['--noproxy', '*', `http://127.0.0.1:${p}${path}`];
    interface PathDef {
      key: PathKey;
      small: LoadTarget;
      download: (n: number) => string[];
      upload: string[];
      own: (phase: PhaseName) => Watched[];
    }
    const pathDefs: PathDef[] = [
      { key: 'direct', small: { port: targets.origin, path: `/bytes/${SMALL}` }, download: (n) => local(targets.origin, `/bytes/${n}`), upload: local(targets.upload, '/discard'), own: () => [] },
      ...(['haproxy', 'openssh'] as const)
        .filter((k) => baselines[k])
        .map((k): PathDef => {
          const b = baselines[k]!;
          return { key: k, small: { port: b.port, path: `/bytes/${SMALL}` }, download: (n) => local(b.port, `/bytes/${n}`), upload: local(b.uploadPort, '/discard'), own: () => b.watched() };
        }),
      {
        key: 'tether',
        small: { port: cluster.userPort, path: `http://${MAC}/bytes/${SMALL}` },
        download: (n) => ['-x', cluster!.proxy, `http://${MAC}/bytes/${n}`],
        upload: ['-x', cluster.proxy, `http://${UPLOAD_MAC}/discard`],
        own: (phase) => tetherOwn(phase === 'upload' ? uploadAgent : agent),
      },
    ];
    // Every path works end to end before any load.
    for (const p of pathDefs) {
      await curlGet(p.download(SMALL), SMALL);
      await curlPut(p.upload, files[WARM_BYTES], WARM_BYTES);
    }

    const results: Partial<Record<PathKey, Measured>> = {};
    let mjpeg: MjpegPhase | undefined;
    const notes: string[] = [];
    for (const p of pathDefs) {
      const name = PATH_NAMES[p.key];
      const m: Measured = (results[p.key] = { concurrency: {} });
      const watched = (phase: PhaseName) => [...p.own(phase), phase === 'upload' ? uploadOriginCpu : originCpu];
      const download = (n: number) => curlGet(p.download(n), n);
      const upload = (n: number) => curlPut(p.upload, files[n], n);
      const small = async (warm: number) => {
        say(`small requests ${name}: port ${p.small.port}, ${p.small.path}, ${CONNECTIONS} connections, ${smallSeconds} s`);
        const r = await smallPhase(gen, p.small, CONNECTIONS, smallSeconds, warm, watched('small'));
        say(`  ${r.result.rps.toFixed(0)} req/s`);
        m.small = r;
        m.concurrency[CONNECTIONS] = r.result;
      };
      const transfer = async (what: 'download' | 'upload', warm: number) => {
        say(`bulk ${what} ${name}: ${bulkBytes >> 20} MiB`);
        const r = await transferPhase(what === 'download' ? download : upload, bulkBytes, warm, watched(what === 'download' ? 'bulk' : 'upload'));
        say(`  ${r.result.mbps.toFixed(0)} MB/s`);
        if (what === 'download') m.bulk = r;
        else m.upload = r;
      };
      const latency = async () => {
        say(`fixed rate ${name}: ${RATE} req/s, 1 s warm-up + ${rateSeconds} s`);
        m.latency = await ratePhase(p.small, RATE, 1, rateSeconds, watched('small'));
        const r = m.latency.result;
        say(`  p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms (${r.ok} ok of ${r.scheduled})`);
      };
      const concurrency = async () => {
        // haproxy is left out: the figure compares tether with the origin and with the OpenSSH tunnel.
        if (p.key === 'haproxy') return;
        for (const c of CONCURRENCY.filter((n) => n !== CONNECTIONS)) {
          say(`closed loop ${name}: ${c} connection(s), ${concurrencySeconds} s`);
          const r = await smallPhase(gen, p.small, c, concurrencySeconds, 0, watched('small'));
          m.concurrency[c] = r.result;
          say(`  ${r.result.rps.toFixed(0)} req/s, p50 ${r.result.p50Ms.toFixed(2)} ms, p99 ${r.result.p99Ms.toFixed(2)} ms`);
        }
      };
      if (p.key !== 'tether') {
        if (steps.has('small')) await small(1);
        if (steps.has('concurrency')) await concurrency();
        if (steps.has('bulk')) await transfer('download', 1);
        if (steps.has('upload')) await transfer('upload', 1);
        if (steps.has('latency')) await latency();
        if (p.key !== 'direct') {
          const b = baselines[p.key]!;
          const dead = b.dead();
          if (dead.length) throw new Error(`the ${name} baseline lost a process during the bench: ${dead.join('; ')}`);
          // Idle from now on, but stopped all the same: the tether figures run on a machine without them.
          await b.stop();
          delete baselines[p.key];
        }
        continue;
      }
      say(`warming up the tether path: ${warmSeconds} s of small requests`);
      await nodeGenerator().run(p.small, CONNECTIONS, warmSeconds);
      if (steps.has('bulk')) await transfer('download', 2);
      if (steps.has('upload')) await transfer('upload', 2);
      if (steps.has('latency')) await latency();
      // wrk comes last through tether: it stops with its requests in flight, which the path is slow to recover from.
      if (steps.has('small')) await small(2);
      if (steps.has('concurrency')) await concurrency();
      if (steps.has('mjpeg')) {
        // Last, and on its own: a failure here leaves the figures of the other phases standing.
        try {
          const waited = await untilAnswering(() => curlGet(['-m', '2', ...p.download(SMALL)], SMALL), 30);
          if (waited < 0) throw new Error('the tether path answered nothing for 30 s before it');
          if (waited > 1) notes.push(`the tether path answered again only ${waited.toFixed(0)} s after the closed-loop runs (aborted requests)`);
          const setup = { cameras: CAMERAS, firstMac: CAMERA_MAC, viewers: VIEWERS, frameSize: FRAME_SIZE, seconds: mjpegSeconds, loglevel: LOGLEVEL };
          mjpeg = await mjpegPhase(cluster, setup, tetherOwn, say);
        } catch (err) {
          say(`MJPEG phase failed: ${(err as Error).message}`);
          notes.push(`MJPEG phase failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }

    for (const p of [cluster.gateway, cluster.edges[0].proc, agent, uploadAgent])
      if (!p.running) throw new Error(`tether ${p.args[0]} exited during the bench:\n${p.output}`);

    const cols = ['direct', 'haproxy', 'openssh', 'tether'] as const;
    const each = (f: (m: Measured, key: PathKey) => number | undefined) =>
      Object.fromEntries(cols.map((k) => [k, results[k] ? f(results[k]!, k) : undefined])) as Pick<Row, PathKey>;
    const cpuRows = (phase: PhaseName): Row[] => {
      const cpu = (m: Measured) => m[phase]?.cpu;
      return [
        ...PROCESSES.map(([key, proc, label]): Row => ({ figure: `CPU ${phase}: ${label} (% of a core)`, [key]: results[key]?.[phase]?.cpu[proc] })),
        {
          figure: `CPU ${phase}: the path's own processes, sum of the above (% of a core)`,
          ...each((m, k) => (k === 'direct' || !cpu(m) ? undefined : sumCpu(cpu(m)!, ownNames(k)))),
        },
        phase === 'small'
          ? {
              figure: 'CPU small: the path\'s own processes per request (µs)',
              ...each((m, k) => (k === 'direct' || !m.small ? undefined : (sumCpu(m.small.cpu, ownNames(k)) * 1e4) / m.small.result.rps)),
            }
          : {
              figure: `CPU ${phase}: the path's own processes per GB moved (CPU seconds)`,
              ...each((m, k) => (k === 'direct' || !m[phase] ? undefined : (sumCpu(m[phase]!.cpu, ownNames(k)) * 10) / m[phase]!.result.mbps)),
              digits: 2,
            },
        { figure: `CPU ${phase}: ${phase === 'upload' ? 'upload origin' : 'origin'} (% of a core)`, ...each((m) => cpu(m)?.origin), ratio: false },
        { figure: `CPU ${phase}: ${CLIENT[phase]} (% of a core)`, ...each((m) => cpu(m)?.client), ratio: false },
        { figure: `CPU ${phase}: all of the above (% of a core)`, ...each((m) => (cpu(m) ? sumCpu(cpu(m)!) : undefined)) },
        { figure: `CPU ${phase}: other processes on the machine (noise)`, ...each((m) => cpu(m)?.[OTHERS]), ratio: false },
      ];
    };
    const byPath = <T>(f: (m: Measured) => T | undefined) =>
      Object.fromEntries(cols.flatMap((k) => (results[k] && f(results[k]!) !== undefined ? [[k, f(results[k]!)]] : []))) as Partial<Record<PathKey, T>>;
    const latencyPhase: LatencyPhase = {
      rate: RATE,
      seconds: rateSeconds,
      results: byPath((m) => m.latency?.result),
      ownCpu: {},
    };
    for (const k of cols) {
      const cpu = results[k]?.latency?.cpu;
      if (cpu) latencyPhase.ownCpu[k] = k === 'direct' ? undefined : sumCpu(cpu, ownNames(k));
    }
    const concurrency = byPath((m) => (Object.keys(m.concurrency).length > (m.small ? 1 : 0) ? m.concurrency : undefined));
    const rows: Row[] = [
      ...(steps.has('small')
        ? [
            { figure: `small requests/s (${SMALL} B, ${CONNECTIONS} conns, ${smallSeconds} s)`, ...each((m) => m.small?.result.rps), goal: GOAL },
            { figure: 'small p50 latency (ms, under that load)', ...each((m) => m.small?.result.p50Ms), digits: 2 },
            { figure: 'small p99 latency (ms, under that load)', ...each((m) => m.small?.result.p99Ms), digits: 2 },
          ]
        : []),
      ...(steps.has('bulk') ? [{ figure: `bulk download MB/s (one ${bulkBytes >> 20} MiB, curl)`, ...each((m) => m.bulk?.result.mbps), goal: GOAL }] : []),
      ...(steps.has('upload') ? [{ figure: `bulk upload MB/s (one ${bulkBytes >> 20} MiB, curl -T)`, ...each((m) => m.upload?.result.mbps), goal: GOAL }] : []),
      ...(steps.has('latency') ? latencyRows(latencyPhase) : []),
      ...(steps.has('concurrency') ? concurrencyRows(concurrency, CONCURRENCY.filter((c) => c !== CONNECTIONS), concurrencySeconds) : []),
      ...(mjpeg ? mjpegRows(mjpeg) : []),
      ...(steps.has('small') ? cpuRows('small') : []),
      ...(steps.has('bulk') ? cpuRows('bulk') : []),
      ...(steps.has('upload') ? cpuRows('upload') : []),
    ];

    for (const k of cols) {
      const r = results[k]?.small?.result;
      if (r && (r.non2xx || r.errors)) notes.push(`small requests ${k}: ${r.non2xx} non-2xx responses, ${r.errors} socket errors (not counted in req/s)`);
      for (const [c, cr] of Object.entries(results[k]?.concurrency ?? {}))
        if (Number(c) !== CONNECTIONS && (cr.non2xx || cr.errors)) notes.push(`closed loop ${k}, ${c} users: ${cr.non2xx} non-2xx responses, ${cr.errors} socket errors`);
    }
    if (steps.has('latency')) notes.push(...latencyNotes(latencyPhase));
    if (mjpeg?.result.failed.length) notes.push(`MJPEG: ${mjpeg.result.failed.length} stream(s) failed: ${mjpeg.result.failed.slice(0, 5).join('; ')}`);
    const noisy = cols.flatMap((k) => (['small', 'bulk', 'upload'] as const).map((ph) => results[k]?.[ph]?.cpu[OTHERS] ?? 0));
    if (Math.max(...noisy) > 25)
      notes.push(
        `other processes used up to ${Math.max(...noisy).toFixed(0)} % of a core during a measured phase: this run was disturbed; run again on a quieter machine`,
      );
    const goalRows = rows.filter((r) => r.goal !== undefined || r.limit);
    const judged = goalRows.filter((r) => met(r) !== undefined);
    const goalName = (r: Row) => `${r.figure.split(' (')[0]} ${r.limit ? r.limit.text : `tether/OpenSSH >= ${r.goal!.toFixed(1)}x`}`;
    const goals = judged.length
      ? `${judged.filter((r) => met(r)).length} of ${goalRows.length} (${goalRows
          .map((r) => `${goalName(r)}: ${met(r) === undefined ? 'n/a' : met(r) ? 'met' : 'not met'}`)
          .join('; ')})`
      : 'not judged: no OpenSSH baseline in this run';

    const generators = [
      ...(steps.has('small') || steps.has('concurrency') ? [`${gen.name} (closed loop)`] : []),
      ...(steps.has('latency') ? [`${RATE_GENERATOR} (fixed rate)`] : []),
      ...(mjpeg ? [`Node MJPEG viewers (own process, one connection per stream)`] : []),
    ];
    const info: RunInfo = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      mode: opts.quick ? '`--quick`' : 'full',
      machine: machineInfo(),
      generator: generators.join('; '),
      origin: origin.kind,
      uploadOrigin: `${uploadOrigin.kind}, \`PUT /discard\``,
      path:
        `1 edge (allocator: ${allocator.label}), 1 gateway, 1 agent per origin (\`--max-conn ${AGENT_MAX_CONN}\`), log level notice` +
        (mjpeg ? `; MJPEG: 1 agent with ${CAMERAS} virtual cameras (\`--simulate --count ${CAMERAS} --fps ${UNPACED_FPS}\`)` : ''),
      baselines: baselineLines,
      goals,
      notes,
    };
    await stopAll();
    say(`stopped everything`);

    if (opts.write) {
      const small = (m: Measured) => ({ smallRps: m.small?.result.rps, downloadMBps: m.bulk?.result.mbps, uploadMBps: m.upload?.result.mbps });
      info.after = writePlots([
        ['latency-cdf', `Latency CDF at ${RATE} req/s per path`, latencyCdfFigure(RATE, rateSeconds, latencyPhase.results)],
        ['throughput', 'Small requests/s, bulk download and upload MB/s per path', throughputFigure(byPath(small), `npm run bench, run of ${info.date} (${info.mode.replace(/`/g, '')})`)],
        ['concurrency', 'Requests/s and latency against 1, 32 and 256 users', concurrencyFigure(concurrency)],
        ['fleet-edge', 'Edge RSS and idle CPU against devices (fleet bench)', fleetFigure(readFleet())],
      ]);
      writeDoc(join(REPO_ROOT, 'docs', 'benchmarks.md'), info, rows);
      say('wrote docs/benchmarks.md (section "Latest run") and docs/plots/*.svg');
    }
    console.log('');
    console.log(`${info.mode.replace(/`/g, '')} run, ${elapsed()} in all; generators: ${info.generator}; origin: ${origin.kind}`);
    for (const b of baselineLines) console.log(`baseline: ${b}`);
    console.log(`goals met: ${goals}`);
    for (const n of notes) console.log(`note: ${n}`);
    console.log('');
    console.log(textTable(rows));
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

void main();

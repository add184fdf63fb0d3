// `npm run bench [-- --quick]`: the figures of the request path, direct to an origin, through the baselines an
// operator could use instead (haproxy, one HTTP hop; an OpenSSH reverse tunnel inside stunnel, the O3C shape in
// C) and through the whole tether cluster path (gateway -> gRPC -> edge -> SSH in mutual TLS -> agent -> origin),
// all in the same run, with the CPU split. Prints a table at the end and writes it to docs/benchmarks.md
// between the bench markers.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TetherCluster, TetherProcess } from '@tether/testing';
import { Baseline, startHaproxy, startOpenSsh } from './baselines';
import { met, Row, RunInfo, textTable, writeDoc } from './bench-table';
import { LoadGenerator, LoadResult, LoadTarget, nodeGenerator, pickGenerator } from './load-generator';
import { BenchOrigin, startNodeOrigin, startOrigin, writeBytesFile } from './origin';
import { children, CpuMeter, machineInfo, OTHERS, run, Watched } from './proc';

/** The device whose agent targets the origin (small requests, downloads). */
const MAC = '00408c0be7c4';
/** The device whose agent targets the upload origin (the Node discard server). */
const UPLOAD_MAC = '00408c0be7c5';
/** Uploads during warm-ups, and at most this many of them. */
const WARM_BYTES = 16 << 20;
const WARM_MAX = 20;
/** The goal of the throughput rows: tether at least this times the OpenSSH tunnel (PERFORMANCE.md). */
const GOAL = 1.0;
const SMALL = 1024;
const CONNECTIONS = 32;
/** Concurrent requests the agent serves: as many as the load's connections, so the device is not the cap. */
const AGENT_MAX_CONN = CONNECTIONS;
/** Log level of edge, gateway and agent: notice (the fixtures wait for notice lines; nothing per request). */
const LOGLEVEL = 3;

interface Options {
  quick: boolean;
  generator: 'auto' | 'wrk' | 'node';
  origin: 'auto' | 'nginx' | 'node';
  install: boolean;
  baselines: boolean;
  write: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, generator: 'auto', origin: 'auto', install: true, baselines: true, write: true };
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
    else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--quick] [--generator wrk|node] [--origin nginx|node] [--no-install] [--no-baselines] [--no-write]',
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

/** The pid of the redis-server listening on `port` (its command line names the port), if visible. */
function redisPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('redis-server') && cmd.includes(String(port))) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

interface Phase<T> {
  result: T;
  cpu: Record<string, number>;
}

/**
 * A small-request phase: warm-up, then the measured run with the CPU of `watched` and of the generator.
 * The warm-up uses the built-in generator, which lets its last requests finish: wrk stops with 32 requests
 * in flight, and the tether path is slow to recover from that many aborted requests (see docs/benchmarks.md),
 * so a wrk run through tether comes only last.
 */
async function smallPhase(gen: LoadGenerator, target: LoadTarget, seconds: number, warmup: number, watched: Watched[]): Promise<Phase<LoadResult>> {
  if (warmup > 0) await nodeGenerator().run(target, CONNECTIONS, warmup);
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await gen.run(target, CONNECTIONS, seconds);
  return { result, cpu: meter.stop('client') };
}

interface Transfer {
  mbps: number;
  bytes: number;
}

async function curlGet(args: string[], bytes: number): Promise<Transfer> {
  const r = await run(
    'curl',
    ['-s', '-S', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{speed_download}', '--max-time', '180', ...args],
    { timeoutMs: 200_000 },
  );
  const [status, size, speed] = r.stdout.trim().split(' ').map(Number);
  if (r.code !== 0 || status !== 200 || size !== bytes)
    throw new Error(`curl ${args.join(' ')}: exit ${r.code}, HTTP ${status}, ${size} of ${bytes} bytes: ${r.stderr.trim()}`);
  return { mbps: speed / 1e6, bytes: size };
}

/**
 * One upload of `file` (`bytes` long) with `curl -T` (PUT, Content-Length) to a `/discard` endpoint, which
 * answers `{"bytes":N}` once the body has ended: the figure counts only bodies that arrived whole.
 * `Expect:` is off, so no path waits for a `100 Continue`.
 */
async function curlPut(args: string[], file: string, bytes: number): Promise<Transfer> {
  const r = await run(
    'curl',
    ['-s', '-S', '-T', file, '-H', 'Expect:', '-w', '\n%{http_code} %{size_upload} %{speed_upload}', '--max-time', '180', ...args],
    { timeoutMs: 200_000 },
  );
  const lines = r.stdout.trim().split('\n');
  const [status, size, speed] = (lines.pop() ?? '').split(' ').map(Number);
  const got = Number(/"bytes":(\d+)/.exec(lines.join('\n'))?.[1] ?? NaN);
  if (r.code !== 0 || status !== 200 || size !== bytes || got !== bytes)
    throw new Error(`curl -T ${args.join(' ')}: exit ${r.code}, HTTP ${status}, sent ${size}, origin got ${got} of ${bytes} bytes: ${r.stderr.trim()}`);
  return { mbps: speed / 1e6, bytes: size };
}

/** A transfer phase: `warmup` seconds of 16 MiB transfers (at most 20), then the measured one. */
async function transferPhase(
  once: (bytes: number) => Promise<Transfer>,
  bytes: number,
  warmup: number,
  watched: Watched[],
): Promise<Phase<Transfer>> {
  const until = performance.now() + warmup * 1000;
  for (let i = 0; i < WARM_MAX && performance.now() < until; i++) await once(WARM_BYTES);
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await once(bytes);
  return { result, cpu: meter.stop('client') };
}

type PathKey = 'direct' | 'haproxy' | 'openssh' | 'tether';
type PhaseName = 'small' | 'bulk' | 'upload';

interface Measured {
  small: Phase<LoadResult>;
  bulk: Phase<Transfer>;
  upload: Phase<Transfer>;
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const smallSeconds = opts.quick ? 3 : 10;
  /** The tether processes need a few seconds of load before the JIT has done its work. */
  const warmSeconds = opts.quick ? 3 : 5;
  const bulkBytes = (opts.quick ? 128 : 512) << 20;
  const paths = opts.baselines ? 'direct, haproxy, OpenSSH + stunnel, tether' : 'direct, tether';
  say(`${opts.quick ? 'quick' : 'full'} run: small requests ${smallSeconds} s, bulk download and upload ${bulkBytes >> 20} MiB, each on ${paths}`);

  let cluster: TetherCluster | undefined;
  let origin: BenchOrigin | undefined;
  let uploadOrigin: BenchOrigin | undefined;
  const baselines: Partial<Record<'haproxy' | 'openssh', Baseline>> = {};
  const work = mkdtempSync(join(tmpdir(), 'tether-bench-'));
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const b of Object.values(baselines)) await b.stop().catch((err: Error) => say(`baseline stop: ${err.message}`));
      await cluster?.stop().catch((err: Error) => say(`cluster stop: ${err.message}`));
      await origin?.stop().catch((err: Error) => say(`origin stop: ${err.message}`));
      await uploadOrigin?.stop().catch((err: Error) => say(`upload origin stop: ${err.message}`));
      for (const c of children) c.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      say(`${sig}: stopping everything`);
      void stopAll().then(() => process.exit(130));
    });

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
      if (!opts.baselines) {
        baselineLines.push(`${titles[key]}: not measured (\`--no-baselines\`)`);
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

    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: LOGLEVEL }, gatewayConfig: { loglevel: LOGLEVEL } });
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
    const tetherOwn = (a: TetherProcess): Watched[] => [
      { name: 'gateway', pid: cluster!.gateway.pid },
      { name: 'edge', pid: cluster!.edges[0].proc.pid },
      { name: 'agent', pid: a.pid },
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
    for (const p of pathDefs) {
      const name = p.key === 'openssh' ? 'OpenSSH + stunnel' : p.key;
      const watched = (phase: PhaseName) => [...p.own(phase), phase === 'upload' ? uploadOriginCpu : originCpu];
      const download = (n: number) => curlGet(p.download(n), n);
      const upload = (n: number) => curlPut(p.upload, files[n], n);
      const small = async (warm: number) => {
        say(`small requests ${name}: port ${p.small.port}, ${p.small.path}, ${CONNECTIONS} connections, ${smallSeconds} s`);
        const r = await smallPhase(gen, p.small, smallSeconds, warm, watched('small'));
        say(`  ${r.result.rps.toFixed(0)} req/s`);
        return r;
      };
      const transfer = async (what: 'download' | 'upload', warm: number) => {
        say(`bulk ${what} ${name}: ${bulkBytes >> 20} MiB`);
        const r = await transferPhase(what === 'download' ? download : upload, bulkBytes, warm, watched(what === 'download' ? 'bulk' : 'upload'));
        say(`  ${r.result.mbps.toFixed(0)} MB/s`);
        return r;
      };
      if (p.key !== 'tether') {
        const s = await small(1);
        const bulk = await transfer('download', 1);
        results[p.key] = { small: s, bulk, upload: await transfer('upload', 1) };
        if (p.key !== 'direct') {
          const b = baselines[p.key]!;
          const dead = b.dead();
          if (dead.length) throw new Error(`the ${name} baseline lost a process during the bench: ${dead.join('; ')}`);
          // Idle from now on, but stopped all the same: the tether figures run on a machine without them.
          await b.stop();
          delete baselines[p.key];
        }
      } else {
        // Small requests through tether come last: wrk's aborted requests at its end slow the path down.
        say(`warming up the tether path: ${warmSeconds} s of small requests`);
        await nodeGenerator().run(p.small, CONNECTIONS, warmSeconds);
        const bulk = await transfer('download', 2);
        const up = await transfer('upload', 2);
        results.tether = { small: await small(2), bulk, upload: up };
      }
    }

    for (const p of [cluster.gateway, cluster.edges[0].proc, agent, uploadAgent])
      if (!p.running) throw new Error(`tether ${p.args[0]} exited during the bench:\n${p.output}`);

    const cols = ['direct', 'haproxy', 'openssh', 'tether'] as const;
    const each = (f: (m: Measured, key: PathKey) => number | undefined) =>
      Object.fromEntries(cols.map((k) => [k, results[k] ? f(results[k]!, k) : undefined])) as Pick<Row, PathKey>;
    const ownNames = (key: PathKey) => PROCESSES.filter(([k]) => k === key).map(([, n]) => n);
    const sum = (r: Record<string, number>, names?: string[]) =>
      Object.entries(r).reduce((a, [k, v]) => (k === OTHERS || (names && !names.includes(k)) ? a : a + v), 0);
    const cpuRows = (phase: PhaseName): Row[] => [
      ...PROCESSES.map(([key, proc, label]): Row => ({ figure: `CPU ${phase}: ${label} (% of a core)`, [key]: results[key]?.[phase].cpu[proc] })),
      {
        figure: `CPU ${phase}: the path's own processes, sum of the above (% of a core)`,
        ...each((m, k) => (k === 'direct' ? undefined : sum(m[phase].cpu, ownNames(k)))),
      },
      phase === 'small'
        ? {
            figure: 'CPU small: the path\'s own processes per request (µs)',
            ...each((m, k) => (k === 'direct' ? undefined : (sum(m.small.cpu, ownNames(k)) * 1e4) / m.small.result.rps)),
          }
        : {
            figure: `CPU ${phase}: the path's own processes per GB moved (CPU seconds)`,
            ...each((m, k) => (k === 'direct' ? undefined : (sum(m[phase].cpu, ownNames(k)) * 10) / m[phase].result.mbps)),
            digits: 2,
          },
      { figure: `CPU ${phase}: ${phase === 'upload' ? 'upload origin' : 'origin'} (% of a core)`, ...each((m) => m[phase].cpu.origin), ratio: false },
      { figure: `CPU ${phase}: ${CLIENT[phase]} (% of a core)`, ...each((m) => m[phase].cpu.client), ratio: false },
      { figure: `CPU ${phase}: all of the above (% of a core)`, ...each((m) => sum(m[phase].cpu)) },
      { figure: `CPU ${phase}: other processes on the machine (noise)`, ...each((m) => m[phase].cpu[OTHERS]), ratio: false },
    ];
    const rows: Row[] = [
      { figure: `small requests/s (${SMALL} B, ${CONNECTIONS} conns, ${smallSeconds} s)`, ...each((m) => m.small.result.rps), goal: GOAL },
      { figure: 'small p50 latency (ms, under that load)', ...each((m) => m.small.result.p50Ms), digits: 2 },
      { figure: 'small p99 latency (ms, under that load)', ...each((m) => m.small.result.p99Ms), digits: 2 },
      { figure: `bulk download MB/s (one ${bulkBytes >> 20} MiB, curl)`, ...each((m) => m.bulk.result.mbps), goal: GOAL },
      { figure: `bulk upload MB/s (one ${bulkBytes >> 20} MiB, curl -T)`, ...each((m) => m.upload.result.mbps), goal: GOAL },
      ...cpuRows('small'),
      ...cpuRows('bulk'),
      ...cpuRows('upload'),
    ];

    const notes: string[] = [];
    for (const k of cols) {
      const r = results[k]?.small.result;
      if (r && (r.non2xx || r.errors)) notes.push(`small requests ${k}: ${r.non2xx} non-2xx responses, ${r.errors} socket errors (not counted in req/s)`);
    }
    const noisy = cols.flatMap((k) => (results[k] ? (['small', 'bulk', 'upload'] as const).map((ph) => results[k]![ph].cpu[OTHERS] ?? 0) : []));
    if (Math.max(...noisy) > 25)
      notes.push(
        `other processes used up to ${Math.max(...noisy).toFixed(0)} % of a core during a measured phase: this run was disturbed; run again on a quieter machine`,
      );
    const goalRows = rows.filter((r) => r.goal !== undefined);
    const judged = goalRows.filter((r) => met(r) !== undefined);
    const goals = judged.length
      ? `${judged.filter((r) => met(r)).length} of ${goalRows.length} (tether/OpenSSH >= ${GOAL.toFixed(1)}x: ${goalRows
          .map((r) => `${r.figure.split(' (')[0]} ${met(r) === undefined ? 'n/a' : met(r) ? 'met' : 'not met'}`)
          .join(', ')})`
      : 'not judged: no OpenSSH baseline in this run';

    const info: RunInfo = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      mode: opts.quick ? '`--quick`' : 'full',
      machine: machineInfo(),
      generator: gen.name,
      origin: origin.kind,
      uploadOrigin: `${uploadOrigin.kind}, \`PUT /discard\``,
      path: `1 edge, 1 gateway, 1 agent per origin (\`--max-conn ${AGENT_MAX_CONN}\`), log level notice`,
      baselines: baselineLines,
      goals,
      notes,
    };
    await stopAll();
    say(`stopped everything`);

    if (opts.write) {
      writeDoc(join(REPO_ROOT, 'docs', 'benchmarks.md'), info, rows);
      say('wrote docs/benchmarks.md (section "Latest run")');
    }
    console.log('');
    console.log(`${info.mode.replace(/`/g, '')} run, ${elapsed()} in all; generator: ${gen.name}; origin: ${origin.kind}`);
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

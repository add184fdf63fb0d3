// `npm run bench [-- --quick]`: the first figures of the request path, direct to an origin and through the
// whole cluster path (gateway -> gRPC -> edge -> SSH in mutual TLS -> agent -> origin), with the CPU split.
// Prints a table at the end and writes it to docs/benchmarks.md between the bench markers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TetherCluster, TetherProcess } from '@tether/testing';
import { Row, RunInfo, textTable, writeDoc } from './bench-table';
import { LoadGenerator, LoadResult, LoadTarget, nodeGenerator, pickGenerator } from './load-generator';
import { BenchOrigin, startOrigin } from './origin';
import { children, CpuMeter, machineInfo, OTHERS, run, Watched } from './proc';

const MAC = '00408c0be7c4';
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
  write: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, generator: 'auto', origin: 'auto', install: true, write: true };
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
    else if (a.startsWith('--generator')) o.generator = value() as Options['generator'];
    else if (a.startsWith('--origin')) o.origin = value() as Options['origin'];
    else if (a === '--help' || a === '-h') {
      console.log('npm run bench -- [--quick] [--generator wrk|node] [--origin nginx|node] [--no-install] [--no-write]');
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

interface Download {
  mbps: number;
  bytes: number;
}

async function curlGet(args: string[], bytes: number): Promise<Download> {
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

async function bulkPhase(curlArgs: (n: number) => string[], bytes: number, warmup: number, watched: Watched[]): Promise<Phase<Download>> {
  // Warm-up: 16 MiB downloads for `warmup` seconds (at most 20 of them).
  const until = performance.now() + warmup * 1000;
  for (let i = 0; i < 20 && performance.now() < until; i++) await curlGet(curlArgs(16 << 20), 16 << 20);
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await curlGet(curlArgs(bytes), bytes);
  return { result, cpu: meter.stop('client') };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const smallSeconds = opts.quick ? 3 : 10;
  /** The tether processes need a few seconds of load before the JIT has done its work. */
  const warmSeconds = opts.quick ? 3 : 5;
  const bulkBytes = (opts.quick ? 128 : 512) << 20;
  say(`${opts.quick ? 'quick' : 'full'} run: small requests ${smallSeconds} s x2, bulk ${bulkBytes >> 20} MiB x2`);

  let cluster: TetherCluster | undefined;
  let origin: BenchOrigin | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      await cluster?.stop().catch((err: Error) => say(`cluster stop: ${err.message}`));
      await origin?.stop().catch((err: Error) => say(`origin stop: ${err.message}`));
      for (const c of children) c.kill('SIGKILL');
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      say(`${sig}: stopping everything`);
      void stopAll().then(() => process.exit(130));
    });

  try {
    const gen = await pickGenerator(opts.generator, opts.install);
    say(`load generator: ${gen.name}`);
    origin = await startOrigin([SMALL, 16 << 20, bulkBytes], opts.origin);
    say(`origin: ${origin.kind} at ${origin.url}`);

    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: LOGLEVEL }, gatewayConfig: { loglevel: LOGLEVEL } });
    const cert = await cluster.pki.deviceCert(MAC);
    const agent: TetherProcess = await cluster.agent([
      '--servers', cluster.servers(), '--cert', cert, '--target', origin.url,
      '--max-conn', String(AGENT_MAX_CONN), '--loglevel', String(LOGLEVEL),
    ]);
    say(`cluster up: gateway ${cluster.proxy}, edge ${cluster.servers()}, agent ${MAC} -> ${origin.url}`);

    const viaProxy = (n: number) => ['-x', cluster!.proxy, `http://${MAC}/bytes/${n}`];
    const direct = (n: number) => ['--noproxy', '*', `${origin!.url}/bytes/${n}`];
    await curlGet(viaProxy(SMALL), SMALL); // the path works end to end before any load
    await curlGet(direct(SMALL), SMALL);

    const procs: Watched[] = [
      { name: 'gateway', pid: cluster.gateway.pid },
      { name: 'edge', pid: cluster.edges[0].proc.pid },
      { name: 'agent', pid: agent.pid },
      { name: 'redis', pid: redisPid(cluster.redis.port) },
      { name: 'origin', pid: origin.pids },
    ];
    const originOnly = procs.filter((p) => p.name === 'origin');

    const direct0: LoadTarget = { port: Number(new URL(origin.url).port), path: `/bytes/${SMALL}` };
    const tether0: LoadTarget = { port: cluster.userPort, path: `http://${MAC}/bytes/${SMALL}` };

    say(`small requests direct: ${origin.url}/bytes/${SMALL}, ${CONNECTIONS} connections, ${smallSeconds} s`);
    const smallDirect = await smallPhase(gen, direct0, smallSeconds, 1, originOnly);
    say(`  ${smallDirect.result.rps.toFixed(0)} req/s`);
    say(`bulk direct: ${bulkBytes >> 20} MiB`);
    const bulkDirect = await bulkPhase(direct, bulkBytes, 1, originOnly);
    say(`  ${bulkDirect.result.mbps.toFixed(0)} MB/s`);

    say(`warming up the tether path: ${warmSeconds} s of small requests`);
    await nodeGenerator().run(tether0, CONNECTIONS, warmSeconds);
    say(`bulk through tether: ${bulkBytes >> 20} MiB`);
    const bulkTether = await bulkPhase(viaProxy, bulkBytes, 2, procs);
    say(`  ${bulkTether.result.mbps.toFixed(0)} MB/s`);
    say(`small requests through tether: http://${MAC}/bytes/${SMALL} via ${cluster.proxy}, ${smallSeconds} s`);
    const smallTether = await smallPhase(gen, tether0, smallSeconds, 2, procs);
    say(`  ${smallTether.result.rps.toFixed(0)} req/s`);

    for (const p of [cluster.gateway, cluster.edges[0].proc, agent])
      if (!p.running) throw new Error(`tether ${p.args[0]} exited during the bench:\n${p.output}`);

    const sum = (r: Record<string, number>) => Object.entries(r).reduce((a, [k, v]) => (k === OTHERS ? a : a + v), 0);
    const cpuRows = (phase: string, d: Record<string, number>, t: Record<string, number>, clientName: string): Row[] => [
      ...['gateway', 'edge', 'agent', 'redis'].map((n) => ({ figure: `CPU ${phase}: ${n} (% of a core)`, tether: t[n] })),
      { figure: `CPU ${phase}: origin (% of a core)`, direct: d.origin, tether: t.origin },
      { figure: `CPU ${phase}: ${clientName} (% of a core)`, direct: d.client, tether: t.client },
      { figure: `CPU ${phase}: all of the above (% of a core)`, direct: sum(d), tether: sum(t) },
      { figure: `CPU ${phase}: other processes on the machine (noise)`, direct: d[OTHERS], tether: t[OTHERS], ratio: false },
    ];
    const rows: Row[] = [
      { figure: `small requests/s (${SMALL} B, ${CONNECTIONS} conns, ${smallSeconds} s)`, direct: smallDirect.result.rps, tether: smallTether.result.rps },
      { figure: 'small p50 latency (ms, under that load)', direct: smallDirect.result.p50Ms, tether: smallTether.result.p50Ms, digits: 2 },
      { figure: 'small p99 latency (ms, under that load)', direct: smallDirect.result.p99Ms, tether: smallTether.result.p99Ms, digits: 2 },
      { figure: `bulk MB/s (one ${bulkBytes >> 20} MiB download, curl)`, direct: bulkDirect.result.mbps, tether: bulkTether.result.mbps },
      ...cpuRows('small', smallDirect.cpu, smallTether.cpu, 'load generator'),
      ...cpuRows('bulk', bulkDirect.cpu, bulkTether.cpu, 'curl'),
    ];

    const notes: string[] = [];
    for (const [name, r] of [['direct', smallDirect.result], ['tether', smallTether.result]] as const)
      if (r.non2xx || r.errors) notes.push(`small requests ${name}: ${r.non2xx} non-2xx responses, ${r.errors} socket errors (not counted in req/s)`);

    const noisy = [smallDirect.cpu, smallTether.cpu, bulkDirect.cpu, bulkTether.cpu].map((c) => c[OTHERS] ?? 0);
    if (Math.max(...noisy) > 25)
      notes.push(
        `other processes used up to ${Math.max(...noisy).toFixed(0)} % of a core during a measured phase: this run was disturbed; run again on a quieter machine`,
      );

    const info: RunInfo = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      mode: opts.quick ? '`--quick`' : 'full',
      machine: machineInfo(),
      generator: gen.name,
      origin: origin.kind,
      path: `1 edge, 1 gateway, 1 agent (\`--max-conn ${AGENT_MAX_CONN}\`), log level notice`,
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

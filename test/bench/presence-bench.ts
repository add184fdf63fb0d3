// `npm run bench:presence [-- --quick] [--no-e2e] [--no-write]`: what routing costs per request when Redis holds
// 100,000 devices. (1) Lookups against the real store in a redis-server of its own, with 1,000 and then 100,000
// records: µs per lookup one at a time and 32 at once, redis CPU per lookup, memory per record. (2) End to end:
// small requests through the gateway of a cluster shaped like `npm run bench`'s, without and with 100,000 extra
// records in its Redis. Prints the tables and writes the section between the presence markers of
// docs/benchmarks.md.
import { join } from 'node:path';
// The bench measures the real store (claim, lookup) that edges and gateways use; nothing else of the app.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { PresenceClaim, RedisPresenceStore } from '@tether/presence';
import { connectRedis } from '@tether/redis';
import { macPlus } from '@tether/protocol';
import { CONFIG_SCHEMA } from '@tether/config';
import { freePort, raiseFdLimit, RedisFixture, REPO_ROOT, TetherCluster, TetherProcess, writeConfig } from '@tether/testing';
import { smallPhase, untilAnswering, curlGet } from './bench-phases';
import { machineLine } from './bench-table';
import { nodeGenerator, pickGenerator } from './load-generator';
import { BenchOrigin, startOrigin } from './origin';
import { children, CpuMeter, cpuSeconds, machineInfo, OTHERS, redisPid, run, sleep } from './proc';
import { EndToEnd, LookupStage, PresenceEndToEnd, PresenceRun, Sample, endToEndTable, lookupTable, writePresenceSection } from './presence-table';

const DEVICES = 100_000;
const FIRST_STAGE = 1_000;
/** Locally administered MACs, far from the bench's devices. */
const FILL_MAC = '020000000000';
const MAC = '00408c0be7c4';
const PREFIX = 'tether:';
/** The fill outlives the run: an hour, not the edges' presence_ttl. */
const TTL_MS = 3_600_000;
const IN_FLIGHT = 1000;
const CONCURRENCY = 32;
const SMALL = 1024;

interface Options {
  quick: boolean;
  e2e: boolean;
  write: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, e2e: true, write: true };
  for (const a of argv) {
    if (a === '--quick') o.quick = true;
    else if (a === '--no-e2e') o.e2e = false;
    else if (a === '--no-write') o.write = false;
    else if (a === '--help' || a === '-h') {
      console.log('npm run bench:presence -- [--quick] [--no-e2e] [--no-write]');
      process.exit(0);
    } else throw new Error(`unknown flag ${a} (see --help)`);
  }
  return o;
}

const started = performance.now();
const say = (s: string) => console.log(`[presence ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${s}`);

/** Claims records `from`..`to` - 1 of the fill for `edge`, IN_FLIGHT at a time; returns the seconds it took. */
async function fill(store: RedisPresenceStore, from: number, to: number, edge: { id: string; address: string }): Promise<number> {
  const t0 = performance.now();
  for (let i = from; i < to; i += IN_FLIGHT) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(to, i + IN_FLIGHT); j++) {
      const claim: PresenceClaim = {
        mac: macPlus(FILL_MAC, j),
        edgeId: edge.id,
        edgeAddress: edge.address,
        connectionId: `${j + 1}.${macPlus(FILL_MAC, j)}`,
        srcaddr: '127.0.0.1:40000',
        connectedAt: Date.now(),
        protocolVersion: 1,
      };
      batch.push(store.claim(claim));
    }
    await Promise.all(batch);
  }
  return (performance.now() - t0) / 1000;
}

/** Deletes the fill's records (multi-key DEL, 1,000 keys a command). */
async function unfill(url: string, count: number): Promise<void> {
  const redis = connectRedis(url);
  try {
    for (let i = 0; i < count; i += 1000)
      await redis.del(...Array.from({ length: Math.min(1000, count - i) }, (_, j) => `${PREFIX}dev:${macPlus(FILL_MAC, i + j)}`));
  } finally {
    redis.disconnect();
  }
}

/** `count` lookups of random MACs among the first `devices` of the fill, `concurrency` in flight; wall seconds. */
async function lookups(store: RedisPresenceStore, devices: number, count: number, concurrency: number): Promise<number> {
  let seed = 12345;
  let left = count;
  let missing = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        seed = (seed * 48271) % 2147483647;
        if (!(await store.lookup(macPlus(FILL_MAC, seed % devices)))) missing++;
      }
    }),
  );
  if (missing) throw new Error(`${missing} of ${count} lookups found no record`);
  return (performance.now() - t0) / 1000;
}

async function usedMemory(url: string): Promise<number> {
  const redis = connectRedis(url);
  try {
    return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
  } finally {
    redis.disconnect();
  }
}

async function lookupStage(store: RedisPresenceStore, devices: number, pid: number | undefined, quick: boolean): Promise<LookupStage> {
  const seq = quick ? 5_000 : 20_000;
  const conc = quick ? 20_000 : 100_000;
  // Warm-up (JIT, connection): the first stage would otherwise pay for it.
  await lookups(store, devices, quick ? 3000 : 10_000, 1);
  await lookups(store, devices, quick ? 5000 : 20_000, CONCURRENCY);
  const meter = new CpuMeter();
  meter.start([
    { name: 'redis', pid },
    { name: 'bench', pid: process.pid },
  ]);
  // Redis's CPU per lookup differs: one at a time, every command is a read and a write of its own; 32 in
  // flight, one read takes several.
  const cpu0 = cpuSeconds(pid);
  const sequentialUs = ((await lookups(store, devices, seq, 1)) * 1e6) / seq;
  const cpu1 = cpuSeconds(pid);
  const concurrentUs = ((await lookups(store, devices, conc, CONCURRENCY)) * 1e6) / conc;
  const cpu2 = cpuSeconds(pid);
  noise.push(meter.stop()[OTHERS] ?? 0);
  const per = (a: number | undefined, b: number | undefined, count: number) => (a !== undefined && b !== undefined ? ((b - a) * 1e6) / count : NaN);
  const redisSequentialCpuUs = per(cpu0, cpu1, seq);
  const redisConcurrentCpuUs = per(cpu1, cpu2, conc);
  say(
    `  ${devices} devices: ${sequentialUs.toFixed(1)} µs one at a time (redis ${redisSequentialCpuUs.toFixed(1)} µs CPU), ` +
      `${concurrentUs.toFixed(1)} µs at ${CONCURRENCY} (redis ${redisConcurrentCpuUs.toFixed(1)} µs CPU) per lookup`,
  );
  return { devices, sequentialUs, concurrentUs, concurrency: CONCURRENCY, redisSequentialCpuUs, redisConcurrentCpuUs };
}

async function redisVersion(): Promise<string> {
  const r = await run('redis-server', ['--version'], { timeoutMs: 5000 }).catch(() => undefined);
  return /v=([\d.]+)/.exec(r?.stdout ?? '')?.[1] ? `redis-server ${/v=([\d.]+)/.exec(r!.stdout)![1]}` : 'redis-server';
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  raiseFdLimit(4096);
  const notes: string[] = [];
  let redis: RedisFixture | undefined;
  let cluster: TetherCluster | undefined;
  let origin: BenchOrigin | undefined;
  let store: RedisPresenceStore | undefined;
  const stopAll = async () => {
    await store?.close().catch(() => undefined);
    for (const stop of stopLater.splice(0)) await stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await origin?.stop().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    // (1) The store alone.
    redis = await RedisFixture.start();
    const pid = redisPid(redis.port);
    store = new RedisPresenceStore(connectRedis(redis.url), { prefix: PREFIX, ttlMs: TTL_MS });
    const edge = { id: 'edge-0', address: '127.0.0.1:7000' };
    await fill(store, 0, 1, edge); // loads the claim script, so its memory is not counted per device
    const mem0 = await usedMemory(redis.url);
    say(`filling ${FIRST_STAGE} records, then lookups`);
    let fillSeconds = await fill(store, 1, FIRST_STAGE, edge);
    const stages = [await lookupStage(store, FIRST_STAGE, pid, opts.quick)];
    say(`filling up to ${DEVICES} records`);
    fillSeconds += await fill(store, FIRST_STAGE, DEVICES, edge);
    const bytesPerDevice = ((await usedMemory(redis.url)) - mem0) / (DEVICES - 1);
    say(`  ${fillSeconds.toFixed(1)} s, ${bytesPerDevice.toFixed(0)} bytes per record`);
    stages.push(await lookupStage(store, DEVICES, pid, opts.quick));
    await store.close();
    store = undefined;
    await redis.stop();
    redis = undefined;

    // (2) End to end, through the gateway (and one without presence cache, when the configuration has one).
    const e2e = opts.e2e ? await endToEnd(opts.quick, notes, (c) => (cluster = c), (o) => (origin = o)) : [];

    if (Math.max(0, ...noise) > 25)
      notes.push(`other processes used up to ${Math.max(...noise).toFixed(0)} % of a core during a measured run: this run was disturbed; run again on a quieter machine`);
    const m = machineInfo();
    const report: PresenceRun = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      mode: opts.quick ? '`--quick`' : 'full',
      machine: machineLine(m),
      redis: await redisVersion(),
      fill: { devices: DEVICES, seconds: fillSeconds },
      bytesPerDevice,
      stages,
      e2e,
      notes,
    };
    await stopAll();
    console.log('');
    console.log(lookupTable(report).join('\n'));
    for (const e of e2e) console.log(`\n${endToEndTable(e).join('\n')}`);
    for (const n of notes) console.log(`note: ${n}`);
    if (opts.write) {
      writePresenceSection(join(REPO_ROOT, 'docs', 'benchmarks.md'), report);
      say('wrote docs/benchmarks.md (section between the presence markers)');
    }
  } catch (err) {
    console.error(`presence bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

interface GatewayUnder {
  label: string;
  port: number;
  pid: number | undefined;
}

/**
 * Small requests through the gateway without and with DEVICES extra records, `rounds` times; through a second
 * gateway with `presence_cache_size = 0` too when the configuration knows that key (a cache is then there to
 * switch off). `keep` hands the cluster and origin to the caller, which stops them.
 */
async function endToEnd(quick: boolean, notes: string[], keep: (c: TetherCluster) => void, keepOrigin: (o: BenchOrigin) => void): Promise<EndToEnd[]> {
  const seconds = quick ? 3 : 10;
  const perRequestSeconds = quick ? 3 : 5;
  const rounds = quick ? 1 : 2;
  const gen = await pickGenerator('auto', false);
  const origin = await startOrigin([SMALL], 'auto');
  keepOrigin(origin);
  const c = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: 3 }, gatewayConfig: { loglevel: 3 } });
  keep(c);
  const agent = await c.agent(['--servers', c.servers(), '--cert', await c.pki.deviceCert(MAC), '--target', origin.url, '--max-conn', '32', '--loglevel', '3']);
  const gateways: GatewayUnder[] = [{ label: 'The gateway as configured by default', port: c.userPort, pid: c.gateway.pid }];
  if ('presence_cache_size' in CONFIG_SCHEMA) {
    const port = await freePort();
    const config = writeConfig(c.dir, 'gateway-nocache.conf', {
      stserverid: 'gateway-nocache',
      listen_user: `127.0.0.1:${port}`,
      redis_url: c.redis.url,
      loglevel: 3,
      presence_cache_size: 0,
    });
    const g = new TetherProcess(['gateway', '--config', config]);
    stopLater.push(() => g.stop());
    await g.waitForOutput(/listen_user on/);
    gateways.push({ label: 'A second gateway with `presence_cache_size = 0` (a Redis lookup per request)', port, pid: g.pid });
  } else notes.push('the configuration has no presence_cache_size: one gateway measured');
  const clusterPid = redisPid(c.redis.port);
  const fillStore = new RedisPresenceStore(connectRedis(c.redis.url), { prefix: PREFIX, ttlMs: TTL_MS });
  const edgeOf = { id: c.edges[0].id, address: `127.0.0.1:${c.edges[0].grpcPort}` };
  say(`end to end: ${gateways.length} gateway(s), ${gen.name}, ${seconds} s per run, ${rounds} round(s) of without / with ${DEVICES} records`);
  const target = (g: GatewayUnder, close = false) => ({ port: g.port, path: `http://${MAC}/bytes/${SMALL}`, close });
  for (const g of gateways) await nodeGenerator().run(target(g), 32, quick ? 3 : 5);
  const sample = async (g: GatewayUnder, close: boolean): Promise<Sample> => {
    const waited = await untilAnswering(() => curlGet(['-m', '2', '-x', `127.0.0.1:${g.port}`, `http://${MAC}/bytes/${SMALL}`], SMALL), 30);
    if (waited < 0) throw new Error(`the gateway on ${g.port} answered nothing for 30 s`);
    const r = await smallPhase(gen, target(g, close), 32, close ? perRequestSeconds : seconds, 1, [
      { name: 'gateway', pid: g.pid },
      { name: 'redis', pid: clusterPid },
      // The rest of the path and this process: not noise.
      { name: 'edge', pid: c.edges[0].proc.pid },
      { name: 'agent', pid: agent.pid },
      { name: 'origin', pid: origin.pids },
      { name: 'bench', pid: process.pid },
      ...gateways.filter((o) => o !== g).map((o, i) => ({ name: `idle gateway ${i}`, pid: o.pid })),
    ]);
    const per = (name: string) => ((r.cpu[name] ?? NaN) * 1e4) / r.result.rps;
    const mode = close ? 'new connection per request' : 'keep-alive';
    say(`  ${g.port}, ${mode}: ${r.result.rps.toFixed(0)} req/s, p99 ${r.result.p99Ms.toFixed(2)} ms, redis ${per('redis').toFixed(1)} µs CPU per request`);
    // wrk counts every connection closed after its answer as a read error when the answer said keep-alive.
    if (r.result.non2xx || (r.result.errors && !close)) notes.push(`end to end, gateway ${g.port}, ${mode}: ${r.result.non2xx} non-2xx, ${r.result.errors} socket errors`);
    else if (r.result.errors && !closeNoted) {
      closeNoted = true;
      notes.push(
        'new connection per request: the gateway closes each connection after its answer (as the client asked with ' +
          '`Connection: close`) but passes on the device\'s `Connection: keep-alive`, so wrk counts a read error per request ' +
          '(a reconnection, not a lost request: the requests/s count complete 2xx answers)',
      );
    }
    noise.push(r.cpu[OTHERS] ?? 0);
    return { small: r.result, gatewayCpuUs: per('gateway'), redisCpuUs: per('redis') };
  };
  let closeNoted = false;
  const measure = async (g: GatewayUnder): Promise<PresenceEndToEnd> => ({ keepAlive: await sample(g, false), perRequest: await sample(g, true) });
  const runs = gateways.map(() => ({ without: [] as PresenceEndToEnd[], with: [] as PresenceEndToEnd[] }));
  try {
    for (let i = 0; i < rounds; i++) {
      say(`round ${i + 1}: without extra records`);
      for (const [j, g] of gateways.entries()) runs[j].without.push(await measure(g));
      await fill(fillStore, 0, DEVICES, edgeOf);
      await sleep(2000); // the claims' invalidation messages reach the gateways meanwhile
      say(`round ${i + 1}: with ${DEVICES} records`);
      for (const [j, g] of gateways.entries()) runs[j].with.push(await measure(g));
      await unfill(c.redis.url, DEVICES);
      await sleep(2000);
    }
  } finally {
    await fillStore.close();
  }
  if (rounds > 1) notes.push(`end to end: the mean of ${rounds} rounds (each: without, then with the records)`);
  return gateways.map((g, j) => ({ gateway: g.label, without: mean(runs[j].without), with: mean(runs[j].with), seconds, perRequestSeconds, rounds, generator: gen.name }));
}

function mean(xs: PresenceEndToEnd[]): PresenceEndToEnd {
  const avg = (g: (x: PresenceEndToEnd) => Sample): Sample => {
    const a = (f: (x: Sample) => number) => xs.reduce((sum, x) => sum + f(g(x)), 0) / xs.length;
    return {
      small: { requests: a((x) => x.small.requests), rps: a((x) => x.small.rps), non2xx: a((x) => x.small.non2xx), errors: a((x) => x.small.errors), p50Ms: a((x) => x.small.p50Ms), p99Ms: a((x) => x.small.p99Ms) },
      gatewayCpuUs: a((x) => x.gatewayCpuUs),
      redisCpuUs: a((x) => x.redisCpuUs),
    };
  };
  return { keepAlive: avg((x) => x.keepAlive), perRequest: avg((x) => x.perRequest) };
}

/** What other processes used (% of a core) during each measured run: the noise. */
const noise: number[] = [];

/** Processes started outside the cluster fixture, stopped at the end. */
const stopLater: Array<() => Promise<void>> = [];

void main();

// `node dist/test/bench/fleet/edge-probe.js [--devices N] [--agents K] [--idle S] [--ramp-rate R] [--keepalive S] [--restart] [--glibc] [--malloc-conf C] [--snapshot DIR]`:
// one step of the fleet bench, for iterating on what an idle device costs an edge: N devices connect to one edge
// (a cluster of 1 edge, the gateway, Redis), then the edge idles; prints its RSS per device, the CPU one connect
// cost it, and its idle CPU (1-s samples and the whole window). --snapshot writes a V8 heap snapshot of the idle
// edge and its summary per device (fleet/heap-summary); --cpu-profile DIR a V8 CPU profile of the edge over the idle
// window (fleet/profile-summary). --restart then SIGKILLs the edge and starts it again: the devices come back resuming
// their TLS sessions, and the new edge's RSS per device is printed too. The edge runs on the allocator of
// k8s/edge.yaml when this machine has it (jemalloc; --malloc-conf replaces the manifest's MALLOC_CONF), on glibc's malloc
// with --glibc. Bounded: every wait has a deadline.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { OriginServer, TetherCluster, TetherProcess } from '@tether/testing';
import { macPlus } from '@tether/protocol';
import { heapSummary } from './heap-summary';
import { profileBase, profileSignal } from './profile-files';
import { edgeAllocator } from '../edge-allocator';
import { PresenceProbe } from './presence-probe';
import { CpuSpan, cpuOver, rssKiB, statusKiB } from './proc-stats';
import { argNumber, sleep } from '../proc';

const FIRST_MAC = '00408c200000';

/** utime and stime (s) of every thread of a process, by thread id, with the thread's name. */
function threadTimes(pid: number | undefined): Map<string, { name: string; u: number; s: number }> {
  const out = new Map<string, { name: string; u: number; s: number }>();
  if (!pid) return out;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, u: Number(f[11]) / 100, s: Number(f[12]) / 100 });
    } catch {
      /* thread gone */
    }
  }
  return out;
}

/** SIGKILLs edge 0 and starts it again; prints the new edge's RSS per device once all are back and idle. */
async function restarted(cluster: TetherCluster, probe: PresenceProbe, macs: string[], base: number, idleS: number): Promise<TetherProcess> {
  await cluster.edges[0].proc.stop('SIGKILL');
  const t0 = performance.now();
  await cluster.startEdge(0);
  const edge = cluster.edges[0].proc;
  // Presence still names edge-0 from before the kill: count the new edge's established device connections.
  const port = cluster.edges[0].clientPort;
  const established = () =>
    Number(execFileSync('sh', ['-c', `ss -Htn state established '( sport = :${port} )' | wc -l`]).toString().trim());
  let present = 0;
  while (performance.now() - t0 < 120_000) {
    present = established();
    if (present >= macs.length) break;
    await sleep(500);
  }
  present = Math.min(present, (await probe.countByEdge(macs)).get('edge-0') ?? 0);
  console.log(`restarted edge: ${present}/${macs.length} back after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(idleS * 1000);
  const rss = rssKiB(edge.pid)!;
  console.log(`restarted edge: RSS ${(rss / 1024).toFixed(1)} MiB = ${((rss - base) / present).toFixed(1)} KiB/device over the first edge's base; RssAnon ${statusKiB(edge.pid, 'RssAnon')} KiB`);
  return edge;
}

async function main(): Promise<void> {
  const n = argNumber('devices', 2000);
  const agents = argNumber('agents', Math.ceil(n / 2500));
  const idleS = argNumber('idle', 10);
  const rate = argNumber('ramp-rate', 300);
  // The devices' keepalive period (s); 1 makes the idle work of 20x as many devices show in a short window.
  const keepalive = argNumber('keepalive', 20);
  const si = process.argv.indexOf('--snapshot');
  const snapshotDir = si > 0 ? process.argv[si + 1] : undefined;
  const pi = process.argv.indexOf('--cpu-profile');
  const profileDir = pi > 0 ? process.argv[pi + 1] : undefined;
  if (profileDir && !snapshotDir) {
    mkdirSync(profileDir, { recursive: true });
    process.env.FLEET_PROFILE_DIR = profileDir;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'cpu-profile-preload.js')}`.trim();
  }
  if (snapshotDir) {
    mkdirSync(snapshotDir, { recursive: true });
    process.env.FLEET_PROFILE_DIR = snapshotDir;
    process.env.FLEET_HEAP_SNAPSHOT = '1';
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${join(__dirname, 'cpu-profile-preload.js')}`.trim();
  }
  const origin = await OriginServer.start();
  const mc = process.argv.indexOf('--malloc-conf');
  const allocator = await edgeAllocator(false, mc > 0 ? process.argv[mc + 1] : undefined);
  console.log(`edge allocator: ${allocator.label}`);
  const cluster = await TetherCluster.start({
    edges: 1,
    edgeConfig: { presence_ttl: 90, keepalive: 20, loglevel: 3 },
    gatewayConfig: { loglevel: 3 },
    edgeEnv: process.argv.includes('--glibc') ? {} : allocator.env,
  });
  const probe = new PresenceProbe(cluster.redis.url);
  try {
    let edge = cluster.edges[0].proc;
    await sleep(3000);
    const base = rssKiB(edge.pid)!;
    const rampMs = Math.round((n / rate) * 1000);
    const procs = [];
    for (let j = 0, given = 0; j < agents; j++) {
      const count = Math.floor((n - given) / (agents - j));
      procs.push(
        await cluster.agent(
          ['--servers', cluster.servers([0]), '--count', String(count), '--mac', macPlus(FIRST_MAC, given), '--issue-from', cluster.pki.dispatcherDir,
            '--target', origin.url, '--ramp', String(rampMs), '--keepalive', String(keepalive), '--loglevel', '3'],
          0,
        ),
      );
      given += count;
    }
    await Promise.all(procs.map((p) => p.waitForOutput(/device\(s\) starting/, 120_000)));
    const cpu = new CpuSpan(edge.pid);
    const t0 = performance.now();
    const macs = Array.from({ length: n }, (_, i) => macPlus(FIRST_MAC, i));
    let present = 0;
    while (performance.now() - t0 < rampMs + 60_000) {
      present = (await probe.countByEdge(macs)).get('edge-0') ?? 0;
      if (present >= n) break;
      await sleep(250);
    }
    const connectMs = (cpu.seconds() * 1000) / n;
    console.log(`${present}/${n} present after ${((performance.now() - t0) / 1000).toFixed(1)} s; edge CPU per connect ${connectMs.toFixed(2)} ms`);
    // RSS every 5 s of the idle wait: V8's memory reducer shrinks the heap some seconds after the last full GC.
    const series: string[] = [];
    for (let s = 5; s < idleS; s += 5) {
      await sleep(5000);
      series.push(`${s} s ${(((rssKiB(edge.pid) ?? base) - base) / present).toFixed(1)}`);
    }
    await sleep((idleS % 5 || 5) * 1000);
    const rss = rssKiB(edge.pid)!;
    if (series.length) console.log(`RSS per device during the idle wait (KiB): ${series.join(', ')}`);
    console.log(`RSS ${(rss / 1024).toFixed(1)} MiB (base ${(base / 1024).toFixed(1)}) = ${((rss - base) / present).toFixed(1)} KiB/device; RssAnon ${statusKiB(edge.pid, 'RssAnon')} KiB`);
    if (process.argv.includes('--restart')) edge = await restarted(cluster, probe, macs, base, idleS);
    const signal = async (n: number) => {
      if (profileDir && edge.pid) await profileSignal(profileDir, edge, n);
    };
    await signal(1);
    const threads0 = threadTimes(edge.pid);
    const w = await cpuOver(edge.pid, 10_000, procs.map((p) => p.pid));
    const threads1 = threadTimes(edge.pid);
    console.log(
      'edge threads over the idle window (utime/stime s): ' +
        [...threads1]
          .map(([tid, t]) => [t.name, t.u - (threads0.get(tid)?.u ?? 0), t.s - (threads0.get(tid)?.s ?? 0)] as const)
          .filter(([, u, s2]) => u + s2 > 0)
          .map(([n, u, s2]) => `${n} ${u.toFixed(2)}/${s2.toFixed(2)}`)
          .join(', '),
    );
    await signal(2);
    if (profileDir) console.log(`CPU profile of the idle window in ${profileDir}`);
    const sorted = [...w.series].sort((a, b) => a - b);
    console.log(`idle CPU ${w.percent.toFixed(2)} % (median 1 s ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)}; series ${w.series.map((x) => x.toFixed(1)).join(' ')}); agents ${w.alsoPercent.toFixed(1)} %, others ${w.othersPercent.toFixed(0)} %`);
    if (snapshotDir && edge.pid) {
      await profileSignal(snapshotDir, edge, 1, 180_000);
      const base = profileBase(snapshotDir, edge.args, edge.pid);
      console.log(heapSummary(JSON.parse(readFileSync(`${base}.heapsnapshot`, 'utf8')), present, 45));
      const mem = JSON.parse(readFileSync(`${base}.memory-1.json`, 'utf8')) as { memoryUsage: Record<string, number> };
      console.log(Object.entries(mem.memoryUsage).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(1)} MiB`).join(', '));
    }
  } finally {
    await probe.close();
    await cluster.stop();
    await origin.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

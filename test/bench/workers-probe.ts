// `node dist/test/bench/workers-probe.js [--rounds N] [--seconds S]`: the "worker processes per pod" lever, measured.
// One edge, one device (its agent in front of the bench origin) and two gateway processes on the same Redis; small
// requests (1 KiB, 32 keep-alive users in all, wrk or the Node generator) through one gateway, then split 16 + 16
// over both at once, alternating, N rounds. A second gateway process is what a `cluster` worker would add (the
// edge and the agent cannot be split for one device: its one TLS connection is served by one process). Prints
// req/s and the path's CPU per request for each. Bounded: every run lasts S seconds.
import { raiseFdLimit, TetherCluster, TetherProcess } from '@tether/testing';
import { pickGenerator, LoadResult } from './load-generator';
import { startOrigin } from './origin';
import { argNumber, CpuMeter, OTHERS, sleep } from './proc';
import { curlGet } from './bench-phases';

const MAC = '00408c0be7d4';
const USERS = 32;

async function main(): Promise<void> {
  const rounds = argNumber('rounds', 3);
  const seconds = argNumber('seconds', 10);
  raiseFdLimit(4096);
  const origin = await startOrigin([1024], 'auto');
  const cluster = await TetherCluster.start({ edges: 1, edgeConfig: { loglevel: 3 }, gatewayConfig: { loglevel: 3 } });
  let agent: TetherProcess | undefined;
  try {
    const second = await cluster.addGateway({ loglevel: 3 });
    agent = await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(MAC), '--target', origin.url, '--max-conn', '256', '--loglevel', '3']);
    const gen = await pickGenerator('auto', false);
    const ports = [cluster.userPort, second.userPort];
    for (const p of ports) await curlGet(['-x', `127.0.0.1:${p}`, `http://${MAC}/bytes/1024`], 1024);
    console.log(`generator: ${gen.name}; origin: ${origin.kind}; ${rounds} rounds of ${seconds} s`);
    const gateways = [cluster.gateway, second.proc];
    for (let r = 1; r <= rounds; r++) {
      for (const n of [1, 2]) {
        const meter = new CpuMeter();
        meter.start([
          ...gateways.map((g, i) => ({ name: `gateway ${i}`, pid: g.pid })),
          { name: 'edge', pid: cluster.edges[0].proc.pid },
          { name: 'agent', pid: agent.pid },
        ]);
        const results: LoadResult[] = await Promise.all(
          ports.slice(0, n).map((port) => gen.run({ port, path: `http://${MAC}/bytes/1024` }, USERS / n, seconds)),
        );
        const cpu = meter.stop('generator');
        const rps = results.reduce((a, b) => a + b.rps, 0);
        const errors = results.reduce((a, b) => a + b.errors + b.non2xx, 0);
        const path = ['gateway 0', 'gateway 1', 'edge', 'agent'].reduce((a, k) => a + (cpu[k] ?? 0), 0);
        const perRequest = (path / 100 / rps) * 1e6;
        console.log(
          `round ${r}, ${n} gateway process${n > 1 ? 'es' : ''}: ${rps.toFixed(0)} req/s (${errors} errors); path CPU ${path.toFixed(0)} % of a core = ${perRequest.toFixed(0)} µs per request ` +
            `(gateways ${((cpu['gateway 0'] ?? 0) + (cpu['gateway 1'] ?? 0)).toFixed(0)}, edge ${cpu.edge?.toFixed(0)}, agent ${cpu.agent?.toFixed(0)}, generator ${cpu.generator?.toFixed(0)}, others ${cpu[OTHERS]?.toFixed(0)} %)`,
        );
        await sleep(1000);
      }
    }
  } finally {
    await agent?.stop();
    await cluster.stop();
    await origin.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

// `node dist/test/bench/fleet/floor-probe.js [--connections N] [--idle S] [--layer tls|ssh] [--glibc] [--malloc-conf C]
//   [--semi-space MiB] [--keepalive S]`: the stack's own cost per idle device (fleet/stack-floor), alone, for
// iterating on it; the fleet bench measures it beside the edge in every run. The server runs on the edge's allocator
// (k8s/edge.yaml: jemalloc), or glibc's malloc with --glibc.
import { edgeAllocator } from '../edge-allocator';
import { argFlag, argNumber } from '../proc';
import { Layer, measureStackFloor } from './stack-floor';


async function main(): Promise<void> {
  const layer = argFlag('layer', 'ssh') as Layer;
  if (layer !== 'tls' && layer !== 'ssh') throw new Error(`--layer: tls or ssh, not ${layer}`);
  const glibc = process.argv.includes('--glibc');
  const allocator = await edgeAllocator(false, process.argv.includes('--malloc-conf') ? argFlag('malloc-conf', '') : undefined);
  const semiSpace = argFlag('semi-space', '');
  console.log(`server allocator: ${glibc ? 'glibc malloc' : allocator.label}${semiSpace ? `; --max-semi-space-size=${semiSpace}` : ''}`);
  const f = await measureStackFloor({
    connections: argNumber('connections', 10000),
    layer,
    idleSeconds: argNumber('idle', 10),
    keepaliveSeconds: argNumber('keepalive', 20),
    serverEnv: glibc ? {} : allocator.env,
    serverFlags: semiSpace ? [`--max-semi-space-size=${semiSpace}`] : [],
    say: (line) => console.log(line),
  });
  const g = f.afterGc;
  console.log(`idle: server CPU ${f.cpuPercent.toFixed(2)} % of a core (1-s median ${f.cpuMedian1sPercent.toFixed(2)}); RSS ${f.perConnectionKiB.toFixed(1)} KiB per connection`);
  console.log(
    `after a full GC: RSS ${g.rss.toFixed(1)} KiB per connection; V8 heap used ${g.heapUsed.toFixed(1)} (new space ${g.newSpace.toFixed(1)}, old space ${g.oldSpace.toFixed(1)}), external ${g.external.toFixed(1)}`,
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);

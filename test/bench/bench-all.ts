// `npm run bench [-- --quick] [flags of bench.js]`: every figure of docs/benchmarks.md in one command. A full run
// runs the three suites in turn, each printing its table (figure, tether, baselines, ratio, goal, met) and writing
// its section of the doc: devices per edge and the reconnect storm (fleet-bench, ~4 min), presence lookups with
// 100,000 devices (presence-bench, ~3 min), flame graphs of each hop (flame-bench, ~1 min), then the request path
// (bench, ~4 min; last, so its fleet plot shows this run's fleet). `--quick` or `--only` run the request path alone
// (under 2 minutes); `npm run bench:fleet`, `bench:presence` and `bench:flame` run the others (also with `-- --quick`).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

interface Suite {
  name: string;
  script: string;
  /** The flags of this run that the suite takes. */
  args: string[];
}

/** Flags every suite understands. */
const SHARED = new Set(['--no-write']);

export function plan(argv: string[]): { suites: Suite[]; notice?: string } {
  const requestPath: Suite = { name: 'request path', script: 'bench.js', args: argv };
  if (argv.includes('--help') || argv.includes('-h')) return { suites: [requestPath] };
  if (argv.includes('--quick') || argv.some((a) => a.startsWith('--only')))
    return {
      suites: [requestPath],
      notice:
        'request path only; devices per edge and the storm: npm run bench:fleet [-- --quick]; presence: npm run bench:presence [-- --quick]; ' +
        'flame graphs: npm run bench:flame [-- --quick]',
    };
  const shared = argv.filter((a) => SHARED.has(a));
  return {
    suites: [
      { name: 'devices per edge and reconnect storm', script: 'fleet-bench.js', args: shared },
      { name: 'presence lookups', script: 'presence-bench.js', args: shared },
      { name: 'flame graphs of each hop', script: 'flame-bench.js', args: shared },
      requestPath,
    ],
  };
}

function runSuite(s: Suite): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, s.script), ...s.args], { stdio: 'inherit' });
    // Ctrl-C reaches the suite too (same process group); it stops what it started and exits.
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function main(): Promise<void> {
  const { suites, notice } = plan(process.argv.slice(2));
  if (notice) console.log(`[bench] ${notice}`);
  const results: string[] = [];
  let failed = 0;
  for (const s of suites) {
    const t0 = performance.now();
    if (suites.length > 1) console.log(`\n[bench] ${s.name} (${s.script})`);
    const code = await runSuite(s);
    if (code !== 0) failed++;
    results.push(`${s.name}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (suites.length > 1) console.log(`\n[bench] ${results.join('; ')}`);
  process.exitCode = failed ? 1 : 0;
}

if (require.main === module) void main();

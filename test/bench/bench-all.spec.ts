import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { plan } from './bench-all';

const scripts = (argv: string[]) => plan(argv).suites.map((s) => `${s.script} ${s.args.join(' ')}`.trim());

describe('npm run bench: which suites a run starts', () => {
  it('a full run reproduces every figure: fleet, presence and flame graphs first, the request path last with all its flags', () => {
    assert.deepEqual(scripts([]), ['fleet-bench.js', 'presence-bench.js', 'flame-bench.js', 'bench.js']);
    assert.deepEqual(scripts(['--no-write', '--generator', 'node']), [
      'fleet-bench.js --no-write',
      'presence-bench.js --no-write',
      'flame-bench.js --no-write',
      'bench.js --no-write --generator node',
    ]);
    assert.equal(plan([]).notice, undefined);
  });
  it('--quick and --only stay under two minutes: the request path alone, saying where the rest is', () => {
    for (const argv of [['--quick'], ['--only', 'small'], ['--only=bulk', '--no-baselines']]) {
      assert.deepEqual(plan(argv).suites.map((s) => s.script), ['bench.js']);
      assert.deepEqual(plan(argv).suites[0].args, argv);
      assert.match(plan(argv).notice ?? '', /bench:fleet.*bench:presence.*bench:flame/);
    }
  });
});

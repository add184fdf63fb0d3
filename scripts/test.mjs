#!/usr/bin/env node
// Runs the compiled unit specs (beside the code) and the end-to-end tests (test/e2e) with
// node's test runner, then ends with one line: `N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './ensure-tools.mjs';

ensureTools();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.includes('--unit') ? 'unit' : args.includes('--e2e') ? 'e2e' : 'all';
const filters = args.filter((a) => !a.startsWith('--'));

function find(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}
const dist = join(root, 'dist');
const pick = (files) => (filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files);
// Unit specs live beside their code: apps, libs, and the bench's pure helpers (test/bench).
const isUnit = (f) => f.endsWith('.spec.js') && !f.endsWith('.e2e-spec.js');
const unit = pick([...find(join(dist, 'apps'), '.spec.js'), ...find(join(dist, 'libs'), '.spec.js'), ...find(join(dist, 'test'), '.spec.js')].filter(isUnit));
const e2e = pick(find(join(dist, 'test'), '.e2e-spec.js'));

const out = mkdtempSync(join(tmpdir(), 'tether-test-'));
const runs = [];
if (only !== 'e2e' && unit.length) runs.push({ files: unit, concurrency: 2, summary: join(out, 'unit') });
if (only !== 'unit' && e2e.length) runs.push({ files: e2e, concurrency: 1, summary: join(out, 'e2e') });

let passed = 0;
let failed = 0;
let skipped = 0;
let status = 0;
for (const r of runs) {
  const res = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${r.concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'summary-reporter.mjs')}`,
      `--test-reporter-destination=${r.summary}`,
      ...r.files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, TETHER_TEST: '1' } },
  );
  if (res.status !== 0) status = 1;
  const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(readFileSync(r.summary, 'utf8'));
  if (m) {
    passed += +m[1];
    failed += +m[2];
    skipped += +(m[3] ?? 0);
  } else status = 1;
}
if (status && !failed) failed = 1; // a runner that crashed before reporting counts as a failure
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status);

#!/usr/bin/env node
// Compile the whole workspace once (tsc keeps decorator metadata for Nest), rewrite the
// @tether/* path aliases to relative requires, and copy the non-TS assets (.proto files).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// Outputs whose source is gone (a deleted spec would otherwise still run) go first.
function pruneOrphans(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) pruneOrphans(p);
    else if (/\.js(\.map)?$/.test(name)) {
      const src = join(root, relative(join(root, 'dist'), p)).replace(/\.js(\.map)?$/, '.ts');
      if (!existsSync(src)) rmSync(p);
    }
  }
}
for (const top of ['apps', 'libs', 'test']) pruneOrphans(join(root, 'dist', top));

// tsc still emits when it reports type errors; finish the output, then fail with its status.
let failed = false;
try {
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
} catch {
  failed = true;
}
run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules') copyAssets(p);
    } else if (name.endsWith('.proto')) {
      const out = join(root, 'dist', relative(root, p));
      mkdirSync(dirname(out), { recursive: true });
      cpSync(p, out);
    }
  }
}
for (const top of ['apps', 'libs']) if (existsSync(join(root, top))) copyAssets(join(root, top));

if (failed) {
  console.error('build: TypeScript reported errors (see above)');
  process.exit(1);
}

#!/usr/bin/env node
// The tests use real tools: redis-server (their own, on a free port) and curl (as the O3C reference
// does). On a fresh Debian machine, install what is missing when we may (root + apt-get).
import { execFileSync, spawnSync } from 'node:child_process';

const TOOLS = { 'redis-server': 'redis-server', curl: 'curl' };

export function ensureTools() {
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const missing = Object.entries(TOOLS).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (!missing.length) return;
  const root = process.getuid?.() === 0;
  if (!root || !has('apt-get')) {
    console.error(`missing: ${missing.join(', ')}; install them (Debian: apt-get install -y ${missing.join(' ')})`);
    process.exit(1);
  }
  console.error(`installing ${missing.join(', ')} (apt-get)`);
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) ensureTools();

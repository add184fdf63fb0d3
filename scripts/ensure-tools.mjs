#!/usr/bin/env node
// The tests use real tools: redis-server (their own, on a free port), curl (as the O3C reference
// does) and promtool (checks the Prometheus exposition). On a fresh Debian machine, install what is
// missing when we may (root + apt-get).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

const TOOLS = { 'redis-server': 'redis-server', curl: 'curl', promtool: 'prometheus' };
/** Tests that need these skip with a notice when they cannot be had. */
const OPTIONAL = new Set(['prometheus']);
/** Packages whose maintainer scripts would start a daemon: installing must not leave one running. */
const SERVICES = new Set(['redis-server', 'prometheus']);
const POLICY_RC = '/usr/sbin/policy-rc.d';

export function ensureTools() {
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const missing = Object.entries(TOOLS).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (!missing.length) return;
  const root = process.getuid?.() === 0;
  if (!root || !has('apt-get')) {
    console.error(`missing: ${missing.join(', ')}; install them (Debian: apt-get install -y ${missing.join(' ')})`);
    if (missing.some((p) => !OPTIONAL.has(p))) process.exit(1);
    return;
  }
  console.error(`installing ${missing.join(', ')} (apt-get)`);
  // invoke-rc.d consults policy-rc.d: exit 101 forbids starting services while we install.
  const ownPolicy = missing.some((p) => SERVICES.has(p)) && !existsSync(POLICY_RC);
  if (ownPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } finally {
    if (ownPolicy) rmSync(POLICY_RC, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureTools();

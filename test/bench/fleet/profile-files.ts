// Where the profiler hook (cpu-profile-preload) writes a process's files, and the bench's side of its signal.
// Shared by the hook and the benches, so both name the files alike; it imports nothing the hook would not need.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process's name in its files: its tether command and its config file's name (`edge-edge-0`, `agent`). */
export function profileRole(args: string[]): string {
  const conf = args.find((a) => a.endsWith('.conf'));
  return [args[0] ?? 'node', conf ? conf.replace(/^.*\//, '').replace(/\.conf$/, '') : ''].filter(Boolean).join('-');
}

/** `<dir>/<role>-<pid>`: how every file the hook writes for that process begins. */
export function profileBase(dir: string, args: string[], pid: number): string {
  return join(dir, `${profileRole(args)}-${pid}`);
}

/** The CPU profile the n-th signal (even: the end of a profile) writes. */
export function profilePath(base: string, n: number): string {
  return `${base}.cpuprofile${n > 2 ? `-${n / 2}` : ''}`;
}

/**
 * SIGUSR2 to a process that loaded the hook, as its n-th signal (odd: start a profile, even: write it), and wait
 * until the hook has done that signal's work. Resolves to the profile's path for an even n; throws after `timeoutMs`.
 */
export async function profileSignal(dir: string, p: { args: string[]; pid?: number }, n: number, timeoutMs = 60_000): Promise<string> {
  const pid = p.pid as number;
  const base = profileBase(dir, p.args, pid);
  process.kill(pid, 'SIGUSR2');
  const until = performance.now() + timeoutMs;
  while (!existsSync(`${base}.signal-${n}.done`)) {
    if (performance.now() > until) throw new Error(`${profileRole(p.args)} (pid ${pid}) did not answer profiler signal ${n} within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
  return profilePath(base, n);
}

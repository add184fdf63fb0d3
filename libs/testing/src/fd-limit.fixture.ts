import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FdLimit {
  soft: number;
  hard: number;
}

/** The open-file limit of a process (`/proc/<pid>/limits`); Infinity for "unlimited". */
export function fdLimit(pid: number | 'self' = 'self'): FdLimit {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const value = (s: string | undefined) => (s === undefined || s === 'unlimited' ? Infinity : Number(s));
  return { soft: value(line?.[1]), hard: value(line?.[2]) };
}

export interface RaisedFdLimit extends FdLimit {
  /** The limit before the call. */
  before: FdLimit;
  /** Why it could not be raised to `min` (no prlimit, not root and the hard limit is lower...). */
  error?: string;
}

/**
 * Raises the open-file limit of the calling process to at least `min` (soft and, when needed and allowed, hard),
 * so every process spawned afterwards inherits it: redis-server, edges, gateways and agents of a `TetherCluster`
 * (a Node child also raises its own soft limit to the hard one at start). For load tests with thousands of
 * connections per process; the existing fixtures spawn exactly as before.
 *
 * Node has no setrlimit, so this runs util-linux `prlimit --pid <self>`. Raising the hard limit needs root
 * (CAP_SYS_RESOURCE). Never throws: it returns the limit in force afterwards, and `error` when that is below `min`.
 */
export function raiseFdLimit(min: number): RaisedFdLimit {
  const before = fdLimit();
  if (before.soft >= min) return { ...before, before };
  const hard = Math.max(min, before.hard);
  let error: string | undefined;
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${min}:${Number.isFinite(hard) ? hard : 'unlimited'}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    const e = err as Error & { stderr?: Buffer };
    error = (e.stderr?.toString().trim() || e.message).split('\n')[0];
    // Not allowed to raise the hard limit: at least take the soft limit up to it.
    if (before.soft < before.hard) {
      try {
        execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`], { stdio: 'ignore' });
      } catch {
        /* keep what we have */
      }
    }
  }
  const after = fdLimit();
  if (after.soft >= min) error = undefined;
  else error ??= `open-file limit is ${after.soft}, below ${min}`;
  return { ...after, before, ...(error ? { error } : {}) };
}

import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { SECRET_MODE, writeFileAtomicSync } from '@tether/pki';
import { DispatcherState } from './dispatcher-state';

export function emptyState(): DispatcherState {
  return { version: 1, crlId: randomUUID(), crlNumber: 0, devices: {}, accounts: {}, revoked: [] };
}

/**
 * The dispatcher's state in one JSON file it alone writes. Every change is written to a temporary file and
 * renamed over the old one, so a crash leaves either the old or the new state, never half of one. Writes are
 * synchronous: they are rare (an arrival, a registration) and their order is then the order of the changes.
 * `path` null keeps the state in memory (unit tests).
 */
export class StateFile {
  private released = false;

  private constructor(
    private readonly path: string | null,
    readonly state: DispatcherState,
  ) {}

  /**
   * Opens (or creates) the state and takes `<path>.lock`: a second dispatcher on the same file would overwrite
   * the first one's changes with its own older copy, so it is refused while the holder's process lives.
   */
  static open(path: string | null): StateFile {
    if (path) lockState(path);
    try {
      if (!path || !existsSync(path)) {
        const f = new StateFile(path, emptyState());
        f.save();
        return f;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new Error(`dispatcher_state ${path}: not valid JSON (${(err as Error).message})`);
      }
      return new StateFile(path, checkState(parsed, path));
    } catch (err) {
      if (path) unlockState(path);
      throw err;
    }
  }

  /** Gives the file up (the lock); the process exiting does it too. */
  close(): void {
    if (this.released || !this.path) return;
    this.released = true;
    unlockState(this.path);
  }

  save(): void {
    if (!this.path) return;
    writeFileAtomicSync(this.path, JSON.stringify(this.state, null, 2) + '\n', SECRET_MODE);
  }
}

function checkState(v: unknown, path: string): DispatcherState {
  const s = v as Partial<DispatcherState>;
  const bad = (what: string) => new Error(`dispatcher_state ${path}: ${what}`);
  if (!s || typeof s !== 'object') throw bad('not an object');
  if (s.version !== 1) throw bad(`unknown version ${JSON.stringify(s.version)} (expected 1)`);
  if (typeof s.crlId !== 'string' || !s.crlId) throw bad('crlId missing');
  if (!Number.isInteger(s.crlNumber)) throw bad('crlNumber missing');
  if (!s.devices || typeof s.devices !== 'object') throw bad('devices missing');
  if (!s.accounts || typeof s.accounts !== 'object') throw bad('accounts missing');
  if (!Array.isArray(s.revoked)) throw bad('revoked missing');
  return s as DispatcherState;
}

const lockOf = (path: string) => `${path}.lock`;
const held = new Set<string>();

function lockState(path: string): void {
  const lock = lockOf(path);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      if (held.size === 0) process.once('exit', () => held.forEach((l) => rmSync(l, { force: true })));
      held.add(lock);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`dispatcher_state ${path}: cannot create ${lock}: ${(err as Error).message}`);
    }
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid))
      throw new Error(`dispatcher_state ${path} is in use by process ${pid} (${lock}): one dispatcher per state file`);
    rmSync(lock, { force: true }); // its holder is gone: a crash left it
  }
  throw new Error(`dispatcher_state ${path}: ${lock} keeps coming back; is another dispatcher starting?`);
}

function unlockState(path: string): void {
  const lock = lockOf(path);
  if (held.delete(lock)) rmSync(lock, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}

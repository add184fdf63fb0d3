import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  private constructor(
    private readonly path: string | null,
    readonly state: DispatcherState,
  ) {}

  static open(path: string | null): StateFile {
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
  }

  save(): void {
    if (!this.path) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
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

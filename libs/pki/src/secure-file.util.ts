import { randomBytes } from 'node:crypto';
import { chmodSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

/**
 * Write via a temp file + rename: a crash never leaves a half-written key, and the mode is set
 * before the content is visible (writeFile's mode only applies to new files, hence the chmod).
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data, { mode, flag: 'wx' });
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * writeFileAtomic, synchronously and into a directory that must exist: for state saved after each change, in
 * the order of the changes (a dispatcher's state, an account file, a device's saved server list).
 */
export function writeFileAtomicSync(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, data, { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_MODE, writeFileAtomicSync } from '@tether/pki';

/** What a device keeps across restarts, as a camera keeps it in flash: where it connects and whom it trusts. */
export interface SavedDevice {
  servers: string[];
  /** The CA server certificates must chain to (the provider's once provisioned). */
  caPem: string;
  /** A dispatcher provisioned it (it goes back there when its servers all fail). */
  provisioned: boolean;
}

/**
 * `--state-dir`: one `<mac>.json` per device. Written whole to a temporary file and renamed into place, so a
 * killed agent leaves the old state or the new one. A file that cannot be read stops the start with its path
 * and the reason (a device that silently fell back to factory state would go back to its dispatcher).
 */
export class DeviceStateStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(mac: string): string {
    return join(this.dir, `${mac}.json`);
  }

  load(mac: string): SavedDevice | undefined {
    const path = this.file(mac);
    if (!existsSync(path)) return undefined;
    let v: Partial<SavedDevice>;
    try {
      v = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedDevice>;
    } catch (err) {
      throw new Error(`--state-dir: ${path}: not valid JSON (${(err as Error).message})`);
    }
    const ok =
      Array.isArray(v.servers) &&
      v.servers.length > 0 &&
      v.servers.every((s) => typeof s === 'string' && /^.+:\d+$/.test(s)) &&
      typeof v.caPem === 'string' &&
      v.caPem.includes('BEGIN CERTIFICATE') &&
      typeof v.provisioned === 'boolean';
    if (!ok) throw new Error(`--state-dir: ${path}: expected {"servers": ["host:port", ...], "caPem": "<PEM>", "provisioned": true|false}`);
    return { servers: v.servers!, caPem: v.caPem!, provisioned: v.provisioned! };
  }

  save(mac: string, d: SavedDevice): void {
    writeFileAtomicSync(this.file(mac), JSON.stringify(d, null, 2) + '\n', SECRET_MODE);
  }
}

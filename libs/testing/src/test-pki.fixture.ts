import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueDeviceCert, issueServerCert, setupDispatcherCa, setupProviderCa } from '@tether/pki';

/** A throwaway PKI made by our own `libs/pki` (EC keys, so it is quick). */
export class TestPki {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TestPki> {
    const pki = new TestPki(mkdtempSync(join(tmpdir(), 'tether-pki-')));
    await setupProviderCa({ dir: pki.providerDir, keyType: 'ec-p256', name: 'Test provider CA' });
    await issueServerCert({ dir: pki.providerDir, hosts: ['localhost', '127.0.0.1'], out: pki.serverPem, keyType: 'ec-p256' });
    await setupDispatcherCa({ dir: pki.dispatcherDir, keyType: 'ec-p256', name: 'Test dispatcher CA' });
    return pki;
  }

  get providerDir(): string {
    return join(this.dir, 'provider');
  }
  get dispatcherDir(): string {
    return join(this.dir, 'dispatcher');
  }
  get providerCa(): string {
    return join(this.providerDir, 'stserver_ca.crt');
  }
  get dispatcherCa(): string {
    return join(this.dispatcherDir, 'dispatcher_ca.crt');
  }
  get serverPem(): string {
    return join(this.dir, 'server.pem');
  }

  async deviceCert(mac: string, dispatcherDir = this.dispatcherDir): Promise<string> {
    const out = join(this.dir, `device-${mac}-${dispatcherDir === this.dispatcherDir ? 'ok' : 'rogue'}.pem`);
    await issueDeviceCert({ dir: dispatcherDir, mac, out, keyType: 'ec-p256' });
    return out;
  }

  /** A device certificate signed by a dispatcher CA the servers do not trust. */
  async rogueDeviceCert(mac: string): Promise<string> {
    const rogue = join(this.dir, 'rogue-dispatcher');
    await setupDispatcherCa({ dir: rogue, keyType: 'ec-p256', name: 'Rogue dispatcher CA', force: true });
    return this.deviceCert(mac, rogue);
  }

  /** A server certificate from the right CA but without OU=ST Server. */
  async serverPemWithoutOu(): Promise<string> {
    const out = join(this.dir, 'server-no-ou.pem');
    await issueServerCert({ dir: this.providerDir, hosts: ['localhost', '127.0.0.1'], out, keyType: 'ec-p256', ou: 'Web Server' });
    return out;
  }

  read(path: string): string {
    return readFileSync(path, 'utf8');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadedCa, PkiError, certificateSubject, loadCa, mintDeviceCredentials, setupDispatcherCa } from './index';

describe('mintDeviceCredentials for a fleet of virtual devices', () => {
  let dir: string;
  let ca: LoadedCa;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-mint-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256', password: 'pw' });
    ca = await loadCa({ dir, kind: 'dispatcher', password: 'pw' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('mints 200 valid, distinct device credentials from one loaded CA', async () => {
    const macs = Array.from({ length: 200 }, (_, i) => `00:40:8c:${(0xa00000 + i).toString(16).replace(/(..)(?=.)/g, '$1:')}`);
    const minted = await Promise.all(macs.map((mac) => mintDeviceCredentials(ca, mac)));
    const caCert = new X509Certificate(ca.certPem);
    const serials = new Set<string>();
    minted.forEach(({ certPem, keyPem }, i) => {
      const expected = macs[i].replace(/:/g, '').toUpperCase();
      assert.deepEqual(certificateSubject(certPem), { CN: [expected] });
      const leaf = new X509Certificate(certPem);
      assert.ok(leaf.verify(caCert.publicKey), `device ${expected} signed by the dispatcher CA`);
      assert.ok(leaf.publicKey.equals(createPublicKey(createPrivateKey(keyPem))), `key of ${expected} matches its cert`);
      serials.add(leaf.serialNumber);
    });
    assert.equal(serials.size, 200);
  });

  it('honours an explicit key type', async () => {
    const { certPem } = await mintDeviceCredentials(ca, '00408C000000', 'rsa-2048');
    assert.equal(new X509Certificate(certPem).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('only accepts CAs that came from loadCa', async () => {
    const fake: LoadedCa = { certPem: ca.certPem, kind: 'dispatcher' };
    await assert.rejects(mintDeviceCredentials(fake, '00408C000000'), PkiError);
  });
});

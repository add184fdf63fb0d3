import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { PkiError, certificateSubject, issueDeviceCert, loadCa, mintDeviceCredentials, setupDispatcherCa, splitPem } from './index';

describe('issue device certificate', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-device-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const mac of ['00408c1a2b3c', '00:40:8c:1a:2b:3c', '00-40-8C-1A-2B-3C', '00408C1A2B3C']) {
    it(`normalizes ${mac} to CN=00408C1A2B3C`, async () => {
      const out = join(dir, `${mac.replace(/[:-]/g, '_')}.pem`);
      await issueDeviceCert({ dir, mac, out });
      assert.deepEqual(certificateSubject(readFileSync(out, 'utf8')), { CN: ['00408C1A2B3C'] });
      assert.equal(statSync(out).mode & 0o777, 0o600);
    });
  }

  it('is a clientAuth certificate with an EC P-256 key by default, signed by the dispatcher CA', async () => {
    const out = join(dir, 'dev.pem');
    await issueDeviceCert({ dir, mac: 'AC:CC:8E:00:00:01', out });
    const { certificates, privateKey } = splitPem(readFileSync(out, 'utf8'));
    assert.ok(privateKey);
    const leaf = new X509Certificate(certificates[0]);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.deepEqual(leaf.keyUsage, [x509.ExtendedKeyUsage.clientAuth]);
    const ca = new X509Certificate(readFileSync(join(dir, 'dispatcher_ca.crt')));
    assert.ok(leaf.verify(ca.publicKey));
  });

  it('honours keyType rsa-2048 for the device key', async () => {
    const out = join(dir, 'rsa-dev.pem');
    await issueDeviceCert({ dir, mac: 'ACCC8E000002', out, keyType: 'rsa-2048' });
    const leaf = new X509Certificate(splitPem(readFileSync(out, 'utf8')).certificates[0]);
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  for (const mac of ['', '00408c12345', '00408c1234567', '00408c12345g', '00:40:8c-12:34:56', '00:40:8c:12:34:56:', '00408c:123456', '0x00408c1234']) {
    it(`rejects bad MAC ${JSON.stringify(mac)} without writing anything`, async () => {
      const out = join(dir, 'bad-mac.pem');
      await assert.rejects(issueDeviceCert({ dir, mac, out }), (e: unknown) => e instanceof PkiError && /bad MAC/.test(e.message));
      assert.equal(existsSync(out), false);
    });
  }

  it('rejects a bad MAC when minting in memory too', async () => {
    const ca = await loadCa({ dir, kind: 'dispatcher' });
    await assert.rejects(mintDeviceCredentials(ca, 'not-a-mac'), /bad MAC/);
  });
});

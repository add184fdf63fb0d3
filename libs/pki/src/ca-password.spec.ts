import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PkiError, issueDeviceCert, loadCa, mintDeviceCredentials, setupDispatcherCa, splitPem } from './index';

describe('password-protected CA key', () => {
  let dir: string;
  const password = 'correct horse battery staple';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-ca-password-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256', password });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the CA key as encrypted PKCS#8 with mode 0600', () => {
    const keyPath = join(dir, 'dispatcher_ca.key');
    const text = readFileSync(keyPath, 'utf8');
    assert.match(text, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.ok(!text.includes(password));
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
  });

  it('loads with the right password and signs certificates the CA verifies', async () => {
    const ca = await loadCa({ dir, kind: 'dispatcher', password });
    assert.equal(ca.certPem, readFileSync(join(dir, 'dispatcher_ca.crt'), 'utf8'));
    const { certPem } = await mintDeviceCredentials(ca, '00408c000001');
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(certPem);
    assert.ok(leaf.checkIssued(caCert));
    assert.ok(leaf.verify(caCert.publicKey));
  });

  it('round-trips through issueDeviceCert with the password', async () => {
    const out = join(dir, 'device.pem');
    await issueDeviceCert({ dir, mac: '00:40:8c:00:00:02', out, password });
    const { certificates, privateKey } = splitPem(readFileSync(out, 'utf8'));
    assert.equal(certificates.length, 1);
    assert.match(privateKey ?? '', /^-----BEGIN PRIVATE KEY-----/); // leaf keys are for the device, not encrypted
  });

  for (const [label, pw] of [
    ['missing', undefined],
    ['empty', ''],
    ['wrong', 'Correct horse battery staple'],
  ] as const) {
    it(`refuses a ${label} password with a clear PkiError`, async () => {
      await assert.rejects(loadCa({ dir, kind: 'dispatcher', password: pw }), (e: unknown) => {
        assert.ok(e instanceof PkiError);
        assert.match(e.message, /wrong or missing CA password/);
        assert.ok(e.message.includes(join(dir, 'dispatcher_ca.key')));
        return true;
      });
      await assert.rejects(
        issueDeviceCert({ dir, mac: '00408c000003', out: join(dir, 'never.pem'), password: pw }),
        /wrong or missing CA password/,
      );
    });
  }
});

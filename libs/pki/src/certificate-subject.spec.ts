import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as forge from 'node-forge';
import { PkiError, certificateSubject, issueServerCert, setupProviderCa } from './index';

describe('certificateSubject', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pki-subject-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an RSA certificate (through forge)', async () => {
    const rsa = join(dir, 'rsa');
    const { certPath } = await setupProviderCa({ dir: rsa, keyType: 'rsa-2048', name: 'RSA Test CA' });
    await issueServerCert({ dir: rsa, hosts: ['rsa.example.com'], out: join(rsa, 'server.pem'), keyType: 'rsa-2048' });
    assert.deepEqual(certificateSubject(readFileSync(certPath, 'utf8')), { CN: ['RSA Test CA'] });
    const serverPem = readFileSync(join(rsa, 'server.pem'), 'utf8'); // cert + key: first certificate wins
    assert.doesNotThrow(() => forge.pki.certificateFromPem(serverPem));
    assert.deepEqual(certificateSubject(serverPem), { OU: ['ST Server'], CN: ['rsa.example.com'] });
  });

  it('reads an EC certificate (forge cannot, so node:crypto does)', async () => {
    const ec = join(dir, 'ec');
    const { certPath } = await setupProviderCa({ dir: ec, keyType: 'ec-p256', name: 'EC Test CA' });
    await issueServerCert({ dir: ec, hosts: ['::1', 'ec.example.com'], out: join(ec, 'server.pem'), keyType: 'ec-p256', ou: 'Other Unit' });
    const serverPem = readFileSync(join(ec, 'server.pem'), 'utf8');
    assert.throws(() => forge.pki.certificateFromPem(serverPem)); // the reason for the fallback
    assert.deepEqual(certificateSubject(readFileSync(certPath, 'utf8')), { CN: ['EC Test CA'] });
    assert.deepEqual(certificateSubject(serverPem), { OU: ['Other Unit'], CN: ['::1'] });
  });

  it('throws PkiError when there is no certificate', () => {
    assert.throws(() => certificateSubject('-----BEGIN PRIVATE KEY-----\nQQ==\n-----END PRIVATE KEY-----\n'), PkiError);
    assert.throws(() => certificateSubject('-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n'), PkiError);
  });
});

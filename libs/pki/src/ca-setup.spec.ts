import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { PkiError, issueDeviceCert, issueServerCert, setupDispatcherCa, setupProviderCa } from './index';

describe('setup-provider-ca / setup-dispatcher-ca', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pki-ca-setup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes stserver_ca.crt and a 0600 PKCS#8 stserver_ca.key, never logging the key', async () => {
    const lines: string[] = [];
    const r = await setupProviderCa({ dir, keyType: 'ec-p256', onProgress: (l) => lines.push(l) });
    assert.equal(r.certPath, join(dir, 'stserver_ca.crt'));
    assert.equal(r.keyPath, join(dir, 'stserver_ca.key'));
    assert.equal(statSync(r.keyPath).mode & 0o777, 0o600);
    assert.match(readFileSync(r.keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => !l.includes('PRIVATE KEY') && !l.includes('-----')));
  });

  it('makes a real CA certificate: CA:TRUE + keyCertSign/cRLSign critical, SKI, ecdsa-with-SHA256', () => {
    const pem = readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');
    assert.equal(new X509Certificate(pem).ca, true);
    const cert = new x509.X509Certificate(pem);
    assert.equal(cert.subject, 'CN=Tether Provider CA');
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc && bc.ca && bc.critical);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    assert.ok(ku && ku.critical);
    assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.match(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(cert.signatureAlgorithm, { name: 'ECDSA', hash: { name: 'SHA-256' } });
    const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
    assert.ok(Math.abs(days - 3650) < 0.01, `CA validity ${days} days`);
    assert.ok(cert.notBefore.getTime() < Date.now() - 4 * 60_000, 'notBefore is backdated ~5 minutes');
  });

  it('refuses to overwrite an existing CA without force and leaves it untouched', async () => {
    const before = readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');
    await assert.rejects(setupProviderCa({ dir, keyType: 'ec-p256' }), (e: unknown) => {
      assert.ok(e instanceof PkiError);
      assert.match(e.message, /already exists.*--force/);
      return true;
    });
    assert.equal(readFileSync(join(dir, 'stserver_ca.crt'), 'utf8'), before);
  });

  it('treats a lone key file as an existing CA too', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pki-ca-lone-key-'));
    try {
      writeFileSync(join(d, 'dispatcher_ca.key'), 'x');
      await assert.rejects(setupDispatcherCa({ dir: d, keyType: 'ec-p256' }), /--force/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('replaces the CA with force: true', async () => {
    const before = readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');
    const oldKey = readFileSync(join(dir, 'stserver_ca.key'), 'utf8');
    await setupProviderCa({ dir, keyType: 'ec-p256', force: true, name: 'Replaced CA', days: 30 });
    const after = readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');
    assert.notEqual(after, before);
    assert.notEqual(readFileSync(join(dir, 'stserver_ca.key'), 'utf8'), oldKey);
    assert.equal(new x509.X509Certificate(after).subject, 'CN=Replaced CA');
    assert.equal(statSync(join(dir, 'stserver_ca.key')).mode & 0o777, 0o600);
  });

  it('writes dispatcher_ca.crt / dispatcher_ca.key for the dispatcher CA', async () => {
    const r = await setupDispatcherCa({ dir, keyType: 'ec-p256' });
    assert.equal(r.certPath, join(dir, 'dispatcher_ca.crt'));
    assert.equal(r.keyPath, join(dir, 'dispatcher_ca.key'));
    assert.equal(new x509.X509Certificate(readFileSync(r.certPath)).subject, 'CN=Tether Dispatcher CA');
  });

  it('names the missing CA file when issuing without a CA', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pki-no-ca-'));
    try {
      await assert.rejects(
        issueServerCert({ dir: empty, hosts: ['localhost'], out: join(empty, 's.pem'), keyType: 'ec-p256' }),
        (e: unknown) => e instanceof PkiError && e.message.includes(join(empty, 'stserver_ca.crt')),
      );
      await assert.rejects(
        issueDeviceCert({ dir: empty, mac: '00408c123456', out: join(empty, 'd.pem') }),
        (e: unknown) => e instanceof PkiError && e.message.includes(join(empty, 'dispatcher_ca.crt')),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects an unknown key type and a bad validity', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pki-ca-bad-opts-'));
    try {
      await assert.rejects(setupProviderCa({ dir: d, keyType: 'dsa-1024' as never }), PkiError);
      await assert.rejects(setupProviderCa({ dir: d, keyType: 'ec-p256', days: 0 }), PkiError);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

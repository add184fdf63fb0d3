import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { PkiError, certificateSubject, issueServerCert, setupProviderCa, splitPem } from './index';

describe('issue server certificate', () => {
  let dir: string;
  let out: string;
  let caPem: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-server-'));
    caPem = readFileSync((await setupProviderCa({ dir, keyType: 'ec-p256' })).certPath, 'utf8');
    out = join(dir, 'out', 'edge.pem'); // parent directory does not exist yet
    await issueServerCert({
      dir,
      hosts: ['Edge-1.Example.com', '127.0.0.1', '::1', 'localhost', '10.0.0.7', '[fe80::1]', 'localhost'],
      out,
      keyType: 'ec-p256',
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the certificate followed by its private key, mode 0600', () => {
    const text = readFileSync(out, 'utf8');
    assert.ok(text.indexOf('BEGIN CERTIFICATE') < text.indexOf('BEGIN PRIVATE KEY'));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const { certificates, privateKey } = splitPem(text);
    assert.equal(certificates.length, 1);
    const pub = createPublicKey(createPrivateKey(privateKey ?? ''));
    assert.ok(new X509Certificate(certificates[0]).publicKey.equals(pub));
  });

  it('puts DNS names in dNSName and IPv4/IPv6 literals in iPAddress entries', () => {
    const cert = new x509.X509Certificate(splitPem(readFileSync(out, 'utf8')).certificates[0]);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    assert.ok(san);
    const names = san.names.toJSON().map((n) => `${n.type}:${n.value}`);
    assert.deepEqual(names, ['dns:edge-1.example.com', 'ip:127.0.0.1', 'ip:::1', 'dns:localhost', 'ip:10.0.0.7', 'ip:fe80::1']);
    const node = new X509Certificate(cert.toString('pem'));
    assert.equal(node.checkHost('edge-1.example.com'), 'edge-1.example.com');
    assert.equal(node.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(node.checkIP('::1'), '::1');
    assert.equal(node.checkHost('127.0.0.1'), undefined); // an IP is not a DNS name
  });

  it('has OU=ST Server and CN = first host, serverAuth, digitalSignature+keyEncipherment', () => {
    const pem = splitPem(readFileSync(out, 'utf8')).certificates[0];
    assert.deepEqual(certificateSubject(pem), { OU: ['ST Server'], CN: ['edge-1.example.com'] });
    const cert = new x509.X509Certificate(pem);
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    assert.ok(eku?.usages.includes(x509.ExtendedKeyUsage.serverAuth));
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  });

  it('is signed by the provider CA and linked to it by authorityKeyIdentifier', () => {
    const pem = splitPem(readFileSync(out, 'utf8')).certificates[0];
    const leaf = new X509Certificate(pem);
    const ca = new X509Certificate(caPem);
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    const aki = new x509.X509Certificate(pem).getExtension(x509.AuthorityKeyIdentifierExtension);
    const ski = new x509.X509Certificate(caPem).getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(aki?.keyId && aki.keyId === ski?.keyId);
    assert.match(leaf.serialNumber, /^[0-7][0-9A-F]{31}$/); // 16 bytes, positive
    const days = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000;
    assert.ok(Math.abs(days - 825) < 0.01, `leaf validity ${days} days`);
  });

  it('uses the OU it is given (tests make deliberately bad server certs this way)', async () => {
    const bad = join(dir, 'bad-ou.pem');
    await issueServerCert({ dir, hosts: ['localhost'], out: bad, keyType: 'ec-p256', ou: 'Not A Server' });
    assert.deepEqual(certificateSubject(readFileSync(bad, 'utf8')).OU, ['Not A Server']);
  });

  it('refuses an empty host list and malformed hosts', async () => {
    const nope = join(dir, 'nope.pem');
    await assert.rejects(issueServerCert({ dir, hosts: [], out: nope }), (e: unknown) => e instanceof PkiError && /no hosts/.test(e.message));
    await assert.rejects(issueServerCert({ dir, hosts: [' ', ''], out: nope }), /no hosts/);
    await assert.rejects(issueServerCert({ dir, hosts: ['bad host!'], out: nope }), (e: unknown) => e instanceof PkiError && /bad host/.test(e.message));
    assert.equal(existsSync(nope), false);
  });
});

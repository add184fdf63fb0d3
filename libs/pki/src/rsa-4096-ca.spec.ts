import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as forge from 'node-forge';
import { issueServerCert, setupProviderCa, splitPem } from './index';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function signatureOid(pem: string): string {
  // forge parses RSA-keyed certificates (this CA's) and exposes the signature OID.
  return forge.pki.certificateFromPem(pem).siginfo.algorithmOid;
}

describe('default provider CA: RSA 4096 as O3C pkitool (slow: real 4096-bit keygen)', () => {
  let dir: string;
  const progress: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-rsa4096-'));
    await setupProviderCa({ dir, onProgress: (l) => progress.push(l) }); // no keyType: the default
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a 4096-bit RSA key and signs with sha256WithRSAEncryption', () => {
    const pem = readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');
    const cert = new X509Certificate(pem);
    assert.equal(cert.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 4096);
    assert.equal(signatureOid(pem), SHA256_WITH_RSA);
    assert.equal(forge.pki.oids[SHA256_WITH_RSA], 'sha256WithRSAEncryption');
  });

  it('told the operator that key generation takes a while', () => {
    assert.match(progress[0], /^generating RSA 4096-bit key \(this can take a few seconds\)\.\.\./);
  });

  it('signs an EC server certificate with sha256WithRSAEncryption', async () => {
    const out = join(dir, 'server.pem');
    await issueServerCert({ dir, hosts: ['edge.example.com'], out, keyType: 'ec-p256' });
    const [leaf] = splitPem(readFileSync(out, 'utf8')).certificates;
    const caCert = new X509Certificate(readFileSync(join(dir, 'stserver_ca.crt')));
    assert.ok(new X509Certificate(leaf).verify(caCert.publicKey));
    // forge cannot parse the EC leaf, so read the outer signatureAlgorithm via node's DER + forge ASN.1.
    const der = forge.util.decode64(leaf.replace(/-----[^-]+-----|\s/g, ''));
    const outer = forge.asn1.fromDer(der).value as forge.asn1.Asn1[];
    const algId = (outer[1].value as forge.asn1.Asn1[])[0];
    assert.equal(forge.asn1.derToOid(algId.value as string), SHA256_WITH_RSA);
  });
});

import { KeyObject, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { KeyPair, Signer, importSigner, spkiDer } from './key.factory';
import { PkiError } from './pki.error';
import { AltName } from './san.util';
import { ensureWebCrypto } from './web-crypto.provider';

const DAY_MS = 24 * 60 * 60 * 1000;
const CLOCK_SKEW_MS = 5 * 60 * 1000; // devices with slightly slow clocks must still accept a fresh cert

export const CA_DAYS = 3650;
export const LEAF_DAYS = 825;
export const SERVER_AUTH = x509.ExtendedKeyUsage.serverAuth;
export const CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth;

/** Everything needed to sign with a CA; built once per CA so minting many leaves stays cheap. */
export interface Issuer {
  name: x509.Name;
  keyId: string;
  signer: Signer;
}

export interface LeafSpec {
  issuer: Issuer;
  subject: x509.JsonName;
  publicKey: KeyObject;
  days: number;
  extKeyUsages: string[];
  altNames?: AltName[];
}

/** 16 random bytes, top bit cleared (DER INTEGER stays positive) and first byte non-zero (stays 16 bytes). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return bytes.toString('hex');
}

export function assertDays(days: number): number {
  if (!Number.isInteger(days) || days < 1) throw new PkiError(`bad validity "${days}": days must be a positive integer`);
  return days;
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

function toPem(cert: x509.X509Certificate): string {
  const pem = cert.toString('pem');
  return pem.endsWith('\n') ? pem : pem + '\n';
}

/** Self-signed CA: CA:TRUE and keyCertSign+cRLSign, both critical, with a subject key identifier. */
export async function buildCaCertificate(o: { commonName: string; keys: KeyPair; days: number }): Promise<string> {
  ensureWebCrypto();
  const spki = spkiDer(o.keys.publicKey);
  const signer = await importSigner(o.keys.privateKey);
  const ski = await x509.SubjectKeyIdentifierExtension.create(spki);
  const name: x509.JsonName = [{ CN: [o.commonName] }];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    ...validity(o.days),
    publicKey: spki,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
  });
  return toPem(cert);
}

/** Builds an Issuer from a CA certificate PEM and its (decrypted) private key. */
export async function issuerFromCa(certPem: string, privateKey: KeyObject): Promise<Issuer> {
  ensureWebCrypto();
  const cert = new x509.X509Certificate(certPem);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId = ski ? ski.keyId : (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey)).keyId;
  return { name: cert.subjectName, keyId, signer: await importSigner(privateKey) };
}

/** End-entity certificate signed by `issuer` (authorityKeyIdentifier links it to the CA's key). */
export async function buildLeafCertificate(o: LeafSpec): Promise<string> {
  ensureWebCrypto();
  const spki = spkiDer(o.publicKey);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(o.extKeyUsages),
    await x509.SubjectKeyIdentifierExtension.create(spki),
    new x509.AuthorityKeyIdentifierExtension(o.issuer.keyId),
  ];
  if (o.altNames?.length) extensions.push(new x509.SubjectAlternativeNameExtension(o.altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: o.subject,
    issuer: o.issuer.name,
    ...validity(o.days),
    publicKey: spki,
    signingKey: o.issuer.signer.key,
    signingAlgorithm: o.issuer.signer.algorithm,
    extensions,
  });
  return toPem(cert);
}

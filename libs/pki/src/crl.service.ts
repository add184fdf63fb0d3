import { X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { LoadedCa, issuerOf } from './ca.store';
import { PkiError } from './pki.error';
import { splitPem } from './pem.util';
import { ensureWebCrypto } from './web-crypto.provider';

/** RFC 5280 CRLReason names (the reasonCode entry extension). */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type CrlReason = (typeof CRL_REASONS)[number];

export interface RevokedEntry {
  /** Certificate serial number in hex (any case, leading zeros ignored). */
  serial: string;
  revokedAt: Date;
  reason?: CrlReason;
}

export interface CreateCrlOptions {
  revoked: readonly RevokedEntry[];
  /** Defaults to now. */
  thisUpdate?: Date;
  nextUpdate: Date;
  /** The cRLNumber extension: must grow with each CRL the CA issues. */
  crlNumber?: number;
}

/** A parsed CRL. `serials` holds normalized serials (see normalizeSerial); the signature is checked only by verify. */
export interface ParsedCrl {
  readonly der: Buffer;
  readonly pem: string;
  /** Issuer DN as a string (e.g. `CN=Test dispatcher CA`). */
  readonly issuer: string;
  readonly thisUpdate: Date;
  /** Absent when the CRL has no nextUpdate (RFC 5280 requires one; Tether treats such a CRL as never stale). */
  readonly nextUpdate?: Date;
  readonly crlNumber?: number;
  readonly serials: ReadonlySet<string>;
  isRevoked(serial: string): boolean;
  /**
   * True when this CRL revokes the certificate (PEM or DER): its serial is listed and its issuer is the CRL's
   * issuer (with a CA bundle, a serial from another CA is not this CRL's business). Throws PkiError on garbage.
   */
  revokes(cert: string | Buffer): boolean;
  /** True when `caPem`'s subject is the CRL issuer and its key signed the CRL. Never throws. */
  verify(caPem: string): Promise<boolean>;
}

const CRL_NUMBER_OID = '2.5.29.20';

/**
 * The canonical form Tether compares serials in: lower-case hex without leading zeros. Node's
 * getPeerCertificate() gives upper case, and a DER INTEGER may carry a 00 byte to stay positive.
 */
export function normalizeSerial(serial: string): string {
  const hex = serial.trim().replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new PkiError(`bad serial "${serial}": expected hex digits`);
  return hex.replace(/^0+/, '') || '0';
}

/** The normalized serial of the first certificate in a PEM text (a certificate + key file works too). */
export function serialOf(certPem: string): string {
  const first = splitPem(certPem).certificates[0];
  if (!first) throw new PkiError('no certificate found (expected a PEM "BEGIN CERTIFICATE" block)');
  try {
    return normalizeSerial(new NodeX509(first).serialNumber);
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError(`cannot parse certificate: ${(err as Error).message}`);
  }
}

/** DER INTEGER for a non-negative safe integer (minimal length, 00 prefix when the top bit is set). */
function derInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new PkiError(`bad CRL number ${n}: expected a non-negative integer`);
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function readDerInteger(value: ArrayBuffer): number | undefined {
  const b = Buffer.from(value);
  if (b[0] !== 0x02 || b[1] !== b.length - 2 || b.length > 9) return undefined;
  const n = Number(BigInt('0x' + (b.subarray(2).toString('hex') || '0')));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A CRL (v2, with authorityKeyIdentifier and cRLNumber) signed by a loaded CA. */
export async function createCrl(ca: LoadedCa, o: CreateCrlOptions): Promise<{ pem: string; der: Buffer }> {
  ensureWebCrypto();
  const issuer = issuerOf(ca);
  const thisUpdate = o.thisUpdate ?? new Date();
  if (!(o.nextUpdate.getTime() > thisUpdate.getTime())) {
    throw new PkiError(`bad CRL validity: nextUpdate ${o.nextUpdate.toISOString()} is not after thisUpdate ${thisUpdate.toISOString()}`);
  }
  const extensions: x509.Extension[] = [new x509.AuthorityKeyIdentifierExtension(issuer.keyId)];
  if (o.crlNumber !== undefined) extensions.push(new x509.Extension(CRL_NUMBER_OID, false, derInteger(o.crlNumber)));
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.name,
    thisUpdate,
    nextUpdate: o.nextUpdate,
    signingKey: issuer.signer.key,
    signingAlgorithm: issuer.signer.algorithm,
    extensions,
    entries: o.revoked.map((r) => ({
      serialNumber: integerHex(normalizeSerial(r.serial)),
      revocationDate: r.revokedAt,
      ...(r.reason ? { reason: reasonCode(r.reason) } : {}),
    })),
  });
  const der = Buffer.from(crl.rawData);
  return { der, pem: toPem(der) };
}

/** Serial as the bytes of a positive DER INTEGER: even length, 00 prefix when the top bit is set. */
function integerHex(serial: string): string {
  const even = serial.length % 2 ? '0' + serial : serial;
  return parseInt(even.slice(0, 2), 16) & 0x80 ? '00' + even : even;
}

function reasonCode(reason: CrlReason): x509.X509CrlReason {
  const code = x509.X509CrlReason[reason];
  if (code === undefined) throw new PkiError(`unknown CRL reason "${reason}" (expected one of ${CRL_REASONS.join(', ')})`);
  return code;
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN X509 CRL-----\n${lines.join('\n')}\n-----END X509 CRL-----\n`;
}

function toDer(input: string | Buffer): Buffer {
  const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  if (m) return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (Buffer.isBuffer(input)) return input;
  throw new PkiError('not a CRL: expected a PEM "BEGIN X509 CRL" block or DER bytes');
}

/** Parses a PEM or DER CRL; throws PkiError when the bytes are not a CRL. Does not check the signature. */
export function parseCrl(input: string | Buffer): ParsedCrl {
  ensureWebCrypto();
  const der = toDer(input);
  let crl: x509.X509Crl;
  let serials: Set<string>;
  try {
    crl = new x509.X509Crl(der);
    serials = new Set(crl.entries.map((e) => normalizeSerial(e.serialNumber)));
    void crl.thisUpdate; // decoding is lazy: surface a broken body here, as a PkiError
  } catch (err) {
    throw new PkiError(`not a CRL: ${(err as Error).message}`);
  }
  const numberExt = crl.extensions.find((e) => e.type === CRL_NUMBER_OID);
  const crlNumber = numberExt ? readDerInteger(numberExt.value) : undefined;
  return {
    der,
    pem: toPem(der),
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate,
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
    ...(crlNumber !== undefined ? { crlNumber } : {}),
    serials,
    isRevoked: (serial: string) => serials.has(normalizeSerial(serial)),
    revokes: (cert: string | Buffer) => revokes(crl, serials, cert),
    verify: (caPem: string) => verifyCrl(crl, caPem),
  };
}

function revokes(crl: x509.X509Crl, serials: ReadonlySet<string>, cert: string | Buffer): boolean {
  let leaf: NodeX509;
  try {
    leaf = new NodeX509(cert);
  } catch (err) {
    throw new PkiError(`cannot parse certificate: ${(err as Error).message}`);
  }
  // The set lookup first: the issuer comparison needs a second parse, paid only for a listed serial.
  if (!serials.has(normalizeSerial(leaf.serialNumber))) return false;
  return sameName(new x509.X509Certificate(leaf.raw).issuerName, crl.issuerName);
}

async function verifyCrl(crl: x509.X509Crl, caPem: string): Promise<boolean> {
  try {
    const first = splitPem(caPem).certificates[0] ?? caPem;
    const ca = new x509.X509Certificate(first);
    if (!sameName(ca.subjectName, crl.issuerName)) return false;
    return await crl.verify({ publicKey: ca });
  } catch {
    return false;
  }
}

function sameName(a: x509.Name, b: x509.Name): boolean {
  return Buffer.from(a.toArrayBuffer()).equals(Buffer.from(b.toArrayBuffer()));
}

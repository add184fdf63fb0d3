import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { LoadedCa, caPaths, loadCa } from './ca.store';
import { assertDays } from './certificate.builder';
import { CRL_REASONS, CrlReason, RevokedEntry, createCrl, normalizeSerial } from './crl.service';
import { splitPem } from './pem.util';
import { PkiError } from './pki.error';
import { CaKind } from './pki.types';
import { PUBLIC_MODE, writeFileAtomic } from './secure-file.util';

const DAY_MS = 24 * 60 * 60 * 1000;
export const CRL_DAYS = 30;

/** On disk: the revoked list and the last CRL number, beside the CA (DIR/dispatcher_ca.revoked.json). */
interface RevocationFile {
  crlNumber: number;
  revoked: Array<{ serial: string; revokedAt: string; reason?: CrlReason }>;
}

export interface CrlOptions {
  dir: string;
  kind?: CaKind;
  password?: string;
  /** Where the CRL (PEM) goes; default DIR/<ca basename>.crl. */
  crlOut?: string;
  validityDays?: number;
  now?: Date;
}

export interface RevokeOptions extends CrlOptions {
  /** The certificate to revoke (PEM; a certificate + key file works too). One of certPem / serial. */
  certPem?: string;
  serial?: string;
  reason?: CrlReason;
}

export interface CrlResult {
  crlPath: string;
  nextUpdate: Date;
  crlNumber: number;
  revokedCount: number;
}

export function revocationPaths(dir: string, kind: CaKind = 'dispatcher'): { listPath: string; crlPath: string } {
  const base = caPaths(dir, kind).certPath.replace(/\.crt$/, '');
  return { listPath: `${base}.revoked.json`, crlPath: `${base}.crl` };
}

async function readList(listPath: string): Promise<RevocationFile> {
  let text: string;
  try {
    text = await fs.readFile(listPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { crlNumber: 0, revoked: [] };
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as RevocationFile;
    if (!Number.isSafeInteger(parsed.crlNumber) || !Array.isArray(parsed.revoked)) throw new Error('missing crlNumber or revoked');
    for (const r of parsed.revoked) {
      normalizeSerial(r.serial);
      if (Number.isNaN(new Date(r.revokedAt).getTime())) throw new Error(`bad revokedAt ${JSON.stringify(r.revokedAt)}`);
    }
    return parsed;
  } catch (err) {
    throw new PkiError(`cannot read revocation list ${listPath}: ${(err as Error).message}`);
  }
}

/** The entries of a CA's revocation list (empty when nothing was ever revoked). */
export async function readRevoked(dir: string, kind: CaKind = 'dispatcher'): Promise<RevokedEntry[]> {
  const list = await readList(revocationPaths(dir, kind).listPath);
  return list.revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), ...(r.reason ? { reason: r.reason } : {}) }));
}

function certSerial(ca: LoadedCa, certPem: string, dir: string): string {
  const first = splitPem(certPem).certificates[0];
  if (!first) throw new PkiError('no certificate found (expected a PEM "BEGIN CERTIFICATE" block)');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(first);
  } catch (err) {
    throw new PkiError(`cannot parse certificate: ${(err as Error).message}`);
  }
  const caCert = new X509Certificate(ca.certPem);
  // A CRL only speaks for its own CA: revoking another CA's certificate would silently protect nothing.
  if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) {
    throw new PkiError(`certificate ${leaf.subject.replace(/\n/g, ', ')} (serial ${normalizeSerial(leaf.serialNumber)}) was not issued by the ${ca.kind} CA in ${dir}`);
  }
  return normalizeSerial(leaf.serialNumber);
}

async function writeCrl(ca: LoadedCa, o: CrlOptions, list: RevocationFile): Promise<CrlResult> {
  const days = assertDays(o.validityDays ?? CRL_DAYS);
  const now = o.now ?? new Date();
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  const crlNumber = list.crlNumber + 1;
  const { pem } = await createCrl(ca, {
    revoked: list.revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), ...(r.reason ? { reason: r.reason } : {}) })),
    thisUpdate: now,
    nextUpdate,
    crlNumber,
  });
  const paths = revocationPaths(o.dir, ca.kind);
  const crlPath = o.crlOut ?? paths.crlPath;
  // The list (with its new number) first: a crash after it re-issues a higher number, never reuses one.
  await writeFileAtomic(paths.listPath, JSON.stringify({ ...list, crlNumber }, null, 2) + '\n', PUBLIC_MODE);
  await writeFileAtomic(crlPath, pem, PUBLIC_MODE);
  return { crlPath, nextUpdate, crlNumber, revokedCount: list.revoked.length };
}

/** Adds a certificate to the CA's revoked list and writes a fresh CRL. Revoking twice keeps the first date. */
export async function revokeCertificate(o: RevokeOptions): Promise<CrlResult & { serial: string; alreadyRevoked: boolean }> {
  if (!!o.certPem === !!o.serial) throw new PkiError('give exactly one of a certificate or a serial to revoke');
  if (o.reason !== undefined && !CRL_REASONS.includes(o.reason)) {
    throw new PkiError(`unknown CRL reason "${o.reason}" (expected one of ${CRL_REASONS.join(', ')})`);
  }
  assertDays(o.validityDays ?? CRL_DAYS);
  const kind = o.kind ?? 'dispatcher';
  const ca = await loadCa({ dir: o.dir, kind, password: o.password });
  const serial = o.certPem ? certSerial(ca, o.certPem, o.dir) : normalizeSerial(o.serial!);
  const { listPath } = revocationPaths(o.dir, kind);
  const list = await readList(listPath);
  const alreadyRevoked = list.revoked.some((r) => normalizeSerial(r.serial) === serial);
  if (!alreadyRevoked) {
    list.revoked.push({ serial, revokedAt: (o.now ?? new Date()).toISOString(), ...(o.reason ? { reason: o.reason } : {}) });
  }
  return { ...(await writeCrl(ca, o, list)), serial, alreadyRevoked };
}

/** Re-signs the CRL from the revoked list (a CRL must be re-issued before its nextUpdate). */
export async function publishCrl(o: CrlOptions): Promise<CrlResult> {
  assertDays(o.validityDays ?? CRL_DAYS);
  const kind = o.kind ?? 'dispatcher';
  const ca = await loadCa({ dir: o.dir, kind, password: o.password });
  return writeCrl(ca, o, await readList(revocationPaths(o.dir, kind).listPath));
}

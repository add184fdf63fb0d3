import { X509Certificate, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Issuer, issuerFromCa } from './certificate.builder';
import { PkiError } from './pki.error';
import { CaKind } from './pki.types';

/** File names as O3C's pkitool writes them (stserver_ca.*) plus the dispatcher's client CA. */
const BASENAMES: Record<CaKind, string> = { provider: 'stserver_ca', dispatcher: 'dispatcher_ca' };

export function caPaths(dir: string, kind: CaKind): { certPath: string; keyPath: string } {
  const base = join(dir, BASENAMES[kind]);
  return { certPath: `${base}.crt`, keyPath: `${base}.key` };
}

/** A CA ready to sign. Only `certPem` and `kind` are public; the signing key stays inside this module. */
export interface LoadedCa {
  readonly certPem: string;
  readonly kind: CaKind;
}

const issuers = new WeakMap<LoadedCa, Issuer>();

export function issuerOf(ca: LoadedCa): Issuer {
  const issuer = issuers.get(ca);
  if (!issuer) throw new PkiError('not a loaded CA: obtain it from loadCa()');
  return issuer;
}

async function readOrMissing(path: string, kind: CaKind): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PkiError(`${kind} CA missing: ${path} not found (run setup-${kind}-ca first)`);
    }
    throw err;
  }
}

function decryptKey(pem: string, keyPath: string, password?: string): KeyObject {
  try {
    // An empty passphrase rather than undefined: OpenSSL must never fall back to prompting on a TTY.
    return createPrivateKey({ key: pem, format: 'pem', passphrase: password ?? '' });
  } catch (err) {
    if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem)) {
      throw new PkiError(`wrong or missing CA password for ${keyPath}`);
    }
    throw new PkiError(`cannot read CA key ${keyPath}: ${(err as Error).message}`);
  }
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/** Reads, decrypts and checks a CA (cert is a CA, key matches it) once; then signs any number of leaves. */
export async function loadCa(o: { dir: string; kind: CaKind; password?: string }): Promise<LoadedCa> {
  const { certPath, keyPath } = caPaths(o.dir, o.kind);
  const certPem = await readOrMissing(certPath, o.kind);
  const keyPem = await readOrMissing(keyPath, o.kind);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new PkiError(`cannot parse CA certificate ${certPath}: ${(err as Error).message}`);
  }
  if (!cert.ca) throw new PkiError(`${certPath} is not a CA certificate (basicConstraints CA:FALSE)`);
  const privateKey = decryptKey(keyPem, keyPath, o.password || undefined);
  if (!sameKey(createPublicKey(privateKey), cert.publicKey)) {
    throw new PkiError(`CA key ${keyPath} does not belong to certificate ${certPath}`);
  }
  const ca: LoadedCa = Object.freeze({ certPem, kind: o.kind });
  issuers.set(ca, await issuerFromCa(certPem, privateKey));
  return ca;
}

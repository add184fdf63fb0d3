import { promises as fs } from 'node:fs';
import { caPaths } from './ca.store';
import { CA_DAYS, assertDays, buildCaCertificate } from './certificate.builder';
import { assertKeyType, generateKey } from './key.factory';
import { privateKeyPem } from './pem.util';
import { PkiError } from './pki.error';
import { CaKind, KeyType, ProgressSink } from './pki.types';
import { PUBLIC_MODE, SECRET_MODE, exists, writeFileAtomic } from './secure-file.util';

export interface SetupCaOptions {
  dir: string;
  name?: string;
  password?: string;
  keyType?: KeyType;
  force?: boolean;
  days?: number;
  onProgress?: ProgressSink;
}

const DEFAULT_NAMES: Record<CaKind, string> = {
  provider: 'Tether Provider CA',
  dispatcher: 'Tether Dispatcher CA',
};

async function setupCa(kind: CaKind, o: SetupCaOptions): Promise<{ certPath: string; keyPath: string }> {
  const keyType = assertKeyType(o.keyType ?? 'rsa-4096');
  const days = assertDays(o.days ?? CA_DAYS);
  const { certPath, keyPath } = caPaths(o.dir, kind);
  // Replacing a CA orphans every certificate it signed, so it takes an explicit --force.
  if (!o.force) {
    for (const path of [certPath, keyPath]) {
      if (await exists(path)) throw new PkiError(`${kind} CA already exists: ${path} (use --force to replace it)`);
    }
  }
  await fs.mkdir(o.dir, { recursive: true });
  const keys = await generateKey(keyType, o.onProgress);
  const certPem = await buildCaCertificate({ commonName: o.name ?? DEFAULT_NAMES[kind], keys, days });
  // Key first: a certificate on disk without its key would look like a usable CA.
  await writeFileAtomic(keyPath, privateKeyPem(keys.privateKey, o.password || undefined), SECRET_MODE);
  await writeFileAtomic(certPath, certPem, PUBLIC_MODE);
  o.onProgress?.(`wrote ${keyPath} (mode 0600${o.password ? ', encrypted' : ''})`);
  o.onProgress?.(`wrote ${certPath}`);
  return { certPath, keyPath };
}

/** O3C's `pkitool setup-provider-ca`: the CA that signs edge server certificates (DIR/stserver_ca.{crt,key}). */
export function setupProviderCa(o: SetupCaOptions): Promise<{ certPath: string; keyPath: string }> {
  return setupCa('provider', o);
}

/** The dispatcher client CA that signs device certificates (DIR/dispatcher_ca.{crt,key}). */
export function setupDispatcherCa(o: SetupCaOptions): Promise<{ certPath: string; keyPath: string }> {
  return setupCa('dispatcher', o);
}

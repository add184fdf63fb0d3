import { issuerOf, loadCa } from './ca.store';
import { CLIENT_AUTH, LEAF_DAYS, SERVER_AUTH, assertDays, buildLeafCertificate } from './certificate.builder';
import { assertKeyType, generateKey } from './key.factory';
import { privateKeyPem } from './pem.util';
import { KeyType, ProgressSink } from './pki.types';
import { serverAltNames } from './san.util';
import { SECRET_MODE, writeFileAtomic } from './secure-file.util';

export interface IssueServerCertOptions {
  dir: string;
  hosts: string[];
  out: string;
  password?: string;
  keyType?: KeyType;
  days?: number;
  /** Devices only trust servers whose subject carries OU=ST Server; tests pass another OU for a bad cert. */
  ou?: string;
  onProgress?: ProgressSink;
}

/** Edge server certificate signed by the provider CA; `out` = certificate PEM then private key PEM (mode 0600). */
export async function issueServerCert(o: IssueServerCertOptions): Promise<{ out: string }> {
  const { commonName, altNames } = serverAltNames(o.hosts);
  const keyType = assertKeyType(o.keyType ?? 'rsa-4096');
  const days = assertDays(o.days ?? LEAF_DAYS);
  const issuer = issuerOf(await loadCa({ dir: o.dir, kind: 'provider', password: o.password }));
  const keys = await generateKey(keyType, o.onProgress);
  const certPem = await buildLeafCertificate({
    issuer,
    subject: [{ OU: [o.ou ?? 'ST Server'] }, { CN: [commonName] }],
    publicKey: keys.publicKey,
    days,
    // clientAuth too, so the same credentials can serve edge-to-edge mutual TLS.
    extKeyUsages: [SERVER_AUTH, CLIENT_AUTH],
    altNames,
  });
  await writeFileAtomic(o.out, certPem + privateKeyPem(keys.privateKey), SECRET_MODE);
  o.onProgress?.(`wrote ${o.out} (certificate + private key, mode 0600; SAN ${altNames.map((n) => n.value).join(', ')})`);
  return { out: o.out };
}

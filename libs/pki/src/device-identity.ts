import { LoadedCa, issuerOf, loadCa } from './ca.store';
import { CLIENT_AUTH, LEAF_DAYS, assertDays, buildLeafCertificate } from './certificate.builder';
import { assertKeyType, generateKey } from './key.factory';
import { deviceCommonName } from './mac.util';
import { privateKeyPem } from './pem.util';
import { KeyType } from './pki.types';
import { SECRET_MODE, writeFileAtomic } from './secure-file.util';

export interface IssueDeviceCertOptions {
  dir: string;
  mac: string;
  out: string;
  password?: string;
  keyType?: KeyType;
  days?: number;
}

async function mint(ca: LoadedCa, mac: string, keyType: KeyType, days: number): Promise<{ certPem: string; keyPem: string }> {
  const commonName = deviceCommonName(mac); // validate before spending time on a key
  const issuer = issuerOf(ca);
  const keys = await generateKey(assertKeyType(keyType));
  const certPem = await buildLeafCertificate({
    issuer,
    subject: [{ CN: [commonName] }],
    publicKey: keys.publicKey,
    days,
    extKeyUsages: [CLIENT_AUTH],
  });
  return { certPem, keyPem: privateKeyPem(keys.privateKey) };
}

/**
 * In-memory device credentials from an already loaded CA (load tests: thousands of virtual devices).
 * The CA key was decrypted and imported into WebCrypto once by loadCa, so each call is one EC keygen + one signature.
 */
export function mintDeviceCredentials(ca: LoadedCa, mac: string, keyType: KeyType = 'ec-p256'): Promise<{ certPem: string; keyPem: string }> {
  return mint(ca, mac, keyType, LEAF_DAYS);
}

/** Device certificate (CN = MAC, clientAuth) signed by the dispatcher CA; `out` = certificate PEM then key PEM (mode 0600). */
export async function issueDeviceCert(o: IssueDeviceCertOptions): Promise<{ out: string }> {
  deviceCommonName(o.mac);
  const days = assertDays(o.days ?? LEAF_DAYS);
  const ca = await loadCa({ dir: o.dir, kind: 'dispatcher', password: o.password });
  const { certPem, keyPem } = await mint(ca, o.mac, o.keyType ?? 'ec-p256', days);
  await writeFileAtomic(o.out, certPem + keyPem, SECRET_MODE);
  return { out: o.out };
}

import { KeyObject } from 'node:crypto';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n[\s\S]*?\n-----END \1-----/g;

/** Certificates in file order and the first private key block (any PKCS#1/#8/SEC1/encrypted flavour). */
export function splitPem(text: string): { certificates: string[]; privateKey?: string } {
  const certificates: string[] = [];
  let privateKey: string | undefined;
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(BLOCK)) {
    const block = m[0] + '\n';
    if (m[1] === 'CERTIFICATE') certificates.push(block);
    else if (m[1].endsWith('PRIVATE KEY') && privateKey === undefined) privateKey = block;
  }
  return privateKey === undefined ? { certificates } : { certificates, privateKey };
}

/** PKCS#8 PEM; encrypted with AES-256-CBC when a password is given (only CA keys are). */
export function privateKeyPem(key: KeyObject, password?: string): string {
  const pem = password
    ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password })
    : key.export({ type: 'pkcs8', format: 'pem' });
  return pem.toString();
}

export function ensureTrailingNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : pem + '\n';
}

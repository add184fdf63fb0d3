import { X509Certificate } from 'node:crypto';
import * as forge from 'node-forge';
import { splitPem } from './pem.util';
import { PkiError } from './pki.error';

function add(into: Record<string, string[]>, key: string, value: string): void {
  (into[key] ??= []).push(value);
}

/** forge only parses RSA public keys, so EC certificates go through Node's own X509Certificate. */
function subjectViaNode(pem: string): Record<string, string[]> {
  const subject: Record<string, string[]> = {};
  for (const line of new X509Certificate(pem).subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) add(subject, line.slice(0, eq), line.slice(eq + 1));
  }
  return subject;
}

/** Subject attributes of the first certificate in `pem`, by short name: `{ CN: ['00408C123456'], OU: ['ST Server'] }`. */
export function certificateSubject(pem: string): Record<string, string[]> {
  const first = splitPem(pem).certificates[0];
  if (!first) throw new PkiError('no certificate found in PEM text');
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(first);
  } catch {
    try {
      return subjectViaNode(first);
    } catch (err) {
      throw new PkiError(`cannot parse certificate: ${(err as Error).message}`);
    }
  }
  const subject: Record<string, string[]> = {};
  for (const attr of cert.subject.attributes) {
    add(subject, attr.shortName ?? attr.name ?? attr.type ?? '?', String(attr.value));
  }
  return subject;
}

import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

let installed = false;

/** @peculiar/x509 signs through WebCrypto; point it once at Node's native implementation. */
export function ensureWebCrypto(): void {
  if (installed) return;
  // Node's webcrypto is the DOM Crypto at runtime, but the two typings differ.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  x509.cryptoProvider.set(webcrypto as any);
  installed = true;
}

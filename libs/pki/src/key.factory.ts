import { generateKeyPair, KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { PkiError } from './pki.error';
import { KEY_TYPES, KeyType, ProgressSink } from './pki.types';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A private key imported into WebCrypto plus the signature algorithm @peculiar/x509 should use with it. */
export interface Signer {
  key: webcrypto.CryptoKey;
  algorithm: { name: string; hash: string };
}

const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }; // sha256WithRSAEncryption, as pkitool
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' }; // ecdsa-with-SHA256
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };

export function assertKeyType(value: string): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(value)) {
    throw new PkiError(`unknown key type "${value}" (expected one of ${KEY_TYPES.join(', ')})`);
  }
  return value as KeyType;
}

/**
 * Native (OpenSSL) key generation: forge's pure-JS RSA takes minutes for 4096 bits.
 * RSA generation reports progress every second so an operator does not think the tool hung.
 */
export async function generateKey(keyType: KeyType, onProgress?: ProgressSink): Promise<KeyPair> {
  assertKeyType(keyType);
  if (keyType === 'ec-p256') {
    return generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  }
  const bits = keyType === 'rsa-4096' ? 4096 : 2048;
  onProgress?.(`generating RSA ${bits}-bit key (this can take a few seconds)...`);
  const started = Date.now();
  const timer = onProgress
    ? setInterval(() => onProgress(`  still generating RSA ${bits}-bit key (${Math.round((Date.now() - started) / 1000)}s)...`), 1000)
    : undefined;
  try {
    return await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Imports a Node private key into WebCrypto once, so every later signature is native. */
export async function importSigner(privateKey: KeyObject): Promise<Signer> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  if (privateKey.asymmetricKeyType === 'rsa') {
    const key = await webcrypto.subtle.importKey('pkcs8', der, RSA_SIGN, false, ['sign']);
    return { key, algorithm: RSA_SIGN };
  }
  const curve = CURVES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''];
  if (privateKey.asymmetricKeyType === 'ec' && curve) {
    const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    return { key, algorithm: EC_SIGN };
  }
  throw new PkiError(`unsupported CA key algorithm ${privateKey.asymmetricKeyType} (expected RSA or EC P-256)`);
}

/** DER SubjectPublicKeyInfo, the form @peculiar/x509 takes for a certificate's public key. */
export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

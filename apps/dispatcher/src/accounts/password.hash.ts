import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: ~50 ms per check on one core, small enough for a provider API, large enough for a leaked file. */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt hex>$<hash hex>`: the account file never holds a password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('hex')}$${key.toString('hex')}`;
}

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([0-9a-f]{16,})\$([0-9a-f]{64})$/;

export function isPasswordHash(stored: string): boolean {
  return FORMAT.test(stored);
}

/** Constant time in the hash comparison; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m) return false;
  const key = await derive(password, Buffer.from(m[4], 'hex'), Number(m[1]), Number(m[2]), Number(m[3]));
  return timingSafeEqual(key, Buffer.from(m[5], 'hex'));
}

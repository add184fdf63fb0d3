import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** HTTP Basic: `token` is the base64 of `user:password`. Hashing first keeps the comparison length-blind. */
export function verifyBasic(token: string, user: string, password: string): boolean {
  const given = sha256(Buffer.from(token.trim(), 'base64'));
  return timingSafeEqual(given, sha256(Buffer.from(`${user}:${password}`)));
}

export function basicChallenge(realm: string): string {
  return `Basic realm="${realm}"`;
}

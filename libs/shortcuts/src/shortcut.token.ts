import { randomBytes } from 'node:crypto';

const TOKEN = /^[0-9a-f]{32}$/;

/** 128 bits from the CSPRNG, as 32 lower-case hex digits (the form of the reference's `id=`). */
export function newShortcutToken(): string {
  return randomBytes(16).toString('hex');
}

/** Only a well-formed token is worth a store lookup (also keeps odd bytes out of Redis keys). */
export function isShortcutToken(token: string): boolean {
  return TOKEN.test(token);
}

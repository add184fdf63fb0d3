import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a presented secret with the configured one. */
export function secretMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether an `Authorization`/`Proxy-Authorization` value carries Basic `user:pass` equal to `expected`. */
export function basicAuthMatches(header: string | undefined, expected: string): boolean {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  return !!m && secretMatches(Buffer.from(m[1], 'base64').toString(), expected);
}

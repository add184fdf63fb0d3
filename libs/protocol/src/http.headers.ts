import { timingSafeEqual } from 'node:crypto';
import type { HeaderPairs } from './tunnel.types';

/** Hop-by-hop headers (RFC 9110 7.6.1) plus the proxy's own; never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Drops hop-by-hop headers and every header named in `Connection`. */
export function endToEndHeaders(raw: string[] | HeaderPairs): HeaderPairs {
  const pairs: HeaderPairs = Array.isArray(raw[0]) ? (raw as HeaderPairs) : toPairs(raw as string[]);
  const named = new Set<string>();
  for (const [k, v] of pairs) {
    if (k.toLowerCase() === 'connection') for (const t of v.split(',')) named.add(t.trim().toLowerCase());
  }
  return pairs.filter(([k]) => {
    const l = k.toLowerCase();
    return !HOP_BY_HOP.has(l) && !named.has(l);
  });
}

export function toPairs(raw: string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

export function headerValue(pairs: HeaderPairs, name: string): string | undefined {
  const l = name.toLowerCase();
  for (const [k, v] of pairs) if (k.toLowerCase() === l) return v;
  return undefined;
}

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

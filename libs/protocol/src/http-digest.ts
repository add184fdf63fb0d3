import { createHash } from 'node:crypto';

/** The algorithms of RFC 7616 (and RFC 2617's MD5); `-sess` variants hash the client nonce into HA1. */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** One `WWW-Authenticate: Digest …` challenge the gateway can answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  algorithm: DigestAlgorithm;
  /** 'auth' when offered (qop=auth, nc, cnonce); null for an RFC 2069 challenge without qop. */
  qop: 'auth' | null;
  stale: boolean;
}

/** What a response's `WWW-Authenticate` headers offer. */
export interface Challenges {
  digest: DigestChallenge | null;
  basic: boolean;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = { 'MD5': 'MD5', 'MD5-SESS': 'MD5-sess', 'SHA-256': 'SHA-256', 'SHA-256-SESS': 'SHA-256-sess' };
/** Preferred first when a device offers several (RFC 7616 3.7: the strongest the client supports). */
const STRENGTH: Record<DigestAlgorithm, number> = { 'SHA-256': 4, 'SHA-256-sess': 3, 'MD5': 2, 'MD5-sess': 1 };
/** At a comma: `Scheme param=` starts the next challenge (a Digest parameter is `param=` alone). */
const SCHEME_START = /^,\s*[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+[A-Za-z0-9_-]+\s*=/;
const PARAM = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

/** `key=value, key="quoted \"value\""` pairs after a scheme. */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  PARAM.lastIndex = 0;
  for (let m = PARAM.exec(text); m; m = PARAM.exec(text)) params.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  return params;
}

/** Reads the challenges of `WWW-Authenticate` values (one per header line, or several joined by commas). */
export function parseChallenges(values: string[]): Challenges {
  const out: Challenges = { digest: null, basic: false };
  for (const value of values) {
    for (const part of splitChallenges(value)) {
      const m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s+([^]*))?$/.exec(part);
      if (!m) continue;
      const scheme = m[1].toLowerCase();
      if (scheme === 'basic') out.basic = true;
      if (scheme !== 'digest') continue;
      const d = digestChallenge(parseAuthParams(m[2] ?? ''));
      if (d && (!out.digest || STRENGTH[d.algorithm] > STRENGTH[out.digest.algorithm])) out.digest = d;
    }
  }
  return out;
}

/** `Digest a=1, b=2, Basic realm="x"`: a comma followed by `token token=` starts a new challenge. */
function splitChallenges(value: string): string[] {
  const parts: string[] = [];
  let rest = value;
  for (;;) {
    // Commas inside quoted strings never start a challenge: look only outside quotes.
    const cut = firstSchemeComma(rest);
    if (cut < 0) break;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  parts.push(rest);
  return parts;
}

function firstSchemeComma(s: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',' && SCHEME_START.test(s.slice(i, i + 200))) return i;
  }
  return -1;
}

function digestChallenge(p: Map<string, string>): DigestChallenge | null {
  const nonce = p.get('nonce');
  const realm = p.get('realm');
  if (nonce === undefined || realm === undefined) return null;
  const algorithm = ALGORITHMS[(p.get('algorithm') ?? 'MD5').toUpperCase()];
  if (!algorithm) return null;
  const qops = p.get('qop');
  let qop: 'auth' | null = null;
  if (qops !== undefined) {
    if (!qops.split(',').some((q) => q.trim().toLowerCase() === 'auth')) return null; // auth-int only: bodies are not hashed here
    qop = 'auth';
  }
  return { realm, nonce, opaque: p.get('opaque'), algorithm, qop, stale: (p.get('stale') ?? '').toLowerCase() === 'true' };
}

/** The `response` value of RFC 7616 3.4.1 (RFC 2069 form when the challenge had no qop). */
export function digestResponse(o: {
  challenge: DigestChallenge;
  user: string;
  pass: string;
  method: string;
  uri: string;
  nc: string;
  cnonce: string;
}): string {
  const c = o.challenge;
  const H = c.algorithm.startsWith('SHA-256') ? sha256 : md5;
  let ha1 = H(`${o.user}:${c.realm}:${o.pass}`);
  if (c.algorithm.endsWith('-sess')) ha1 = H(`${ha1}:${c.nonce}:${o.cnonce}`);
  const ha2 = H(`${o.method}:${o.uri}`);
  return c.qop ? H(`${ha1}:${c.nonce}:${o.nc}:${o.cnonce}:${c.qop}:${ha2}`) : H(`${ha1}:${c.nonce}:${ha2}`);
}

/** The `Authorization` value answering `challenge` for `method uri`; `nc` counts uses of the nonce (from 1). */
export function digestAuthorization(
  challenge: DigestChallenge,
  creds: { user: string; pass: string },
  method: string,
  uri: string,
  nc: number,
  cnonce: string,
): string {
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = digestResponse({ challenge, user: creds.user, pass: creds.pass, method, uri, nc: ncHex, cnonce });
  let out = `Digest username="${quote(creds.user)}", realm="${quote(challenge.realm)}", nonce="${quote(challenge.nonce)}", uri="${quote(uri)}", algorithm=${challenge.algorithm}, response="${response}"`;
  if (challenge.qop) out += `, qop=${challenge.qop}, nc=${ncHex}, cnonce="${cnonce}"`;
  if (challenge.opaque !== undefined) out += `, opaque="${quote(challenge.opaque)}"`;
  return out;
}

function quote(s: string): string {
  return s.replace(/[\\"]/g, '\\$&');
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

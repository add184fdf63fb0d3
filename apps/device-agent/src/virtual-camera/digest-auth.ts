import { createHash, timingSafeEqual } from 'node:crypto';
import type { NonceCheck, NonceIssuer } from './digest-nonce';

/** `key=value, key="quoted \"value\""` pairs of an Authorization header (after the scheme). */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    params.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return params;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** HTTP Digest (RFC 7616) with MD5 and qop=auth, the variant Axis cameras offer. */
export class DigestAuth {
  private readonly ha1: string;

  constructor(
    private readonly realm: string,
    private readonly user: string,
    password: string,
    private readonly nonces: NonceIssuer,
  ) {
    this.ha1 = md5(`${user}:${realm}:${password}`);
  }

  challenge(stale = false): string {
    return (
      `Digest realm="${this.realm}", nonce="${this.nonces.issue()}", algorithm=MD5, qop="auth"` +
      (stale ? ', stale=true' : '')
    );
  }

  /** `requestUri` is the request-target as received; the client must have signed exactly it. */
  verify(p: Map<string, string>, method: string, requestUri: string): NonceCheck {
    const [username, realm, nonce, uri, response, qop, nc, cnonce] = [
      'username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce',
    ].map((k) => p.get(k));
    const algorithm = p.get('algorithm') ?? 'MD5';
    if (username !== this.user || realm !== this.realm || uri !== requestUri) return 'invalid';
    if (algorithm.toUpperCase() !== 'MD5' || qop !== 'auth') return 'invalid';
    if (!nonce || !cnonce || !nc || !/^[0-9a-fA-F]{8}$/.test(nc) || !response || !/^[0-9a-f]{32}$/i.test(response)) {
      return 'invalid';
    }
    const expected = md5(`${this.ha1}:${nonce}:${nc}:${cnonce}:${qop}:${md5(`${method}:${uri}`)}`);
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(response.toLowerCase()))) return 'invalid';
    // Only a correct response may consume the nc, so forgeries cannot lock a client out.
    return this.nonces.use(nonce, parseInt(nc, 16));
  }
}

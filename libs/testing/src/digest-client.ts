import { createHash, randomBytes } from 'node:crypto';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The parameters of one `Digest …` challenge (WWW-Authenticate). */
export function parseDigestChallenge(header: string): Map<string, string> {
  const m = /^Digest\s+(.*)$/i.exec(header.trim());
  if (!m) throw new Error(`not a Digest challenge: ${header}`);
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let p = re.exec(m[1]); p; p = re.exec(m[1])) params.set(p[1].toLowerCase(), p[2] ?? p[3]);
  return params;
}

/** An `Authorization: Digest …` answer (MD5, qop=auth) to `challenge` for `method uri`. */
export function digestAuthorization(o: {
  challenge: string;
  user: string;
  password: string;
  method: string;
  uri: string;
  nc?: number;
}): string {
  const c = parseDigestChallenge(o.challenge);
  const realm = c.get('realm') ?? '';
  const nonce = c.get('nonce') ?? '';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = md5(`${o.user}:${realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username="${o.user}", realm="${realm}", nonce="${nonce}", uri="${o.uri}", algorithm=MD5, ` +
    `qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`
  );
}

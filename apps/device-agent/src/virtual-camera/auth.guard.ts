import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicChallenge, verifyBasic } from './basic-auth';
import { DigestAuth, parseAuthParams } from './digest-auth';
import type { NonceCheck } from './digest-nonce';
import { NonceIssuer } from './digest-nonce';
import { reply } from './http.reply';
import type { CameraConfig } from './virtual-camera.options';

/**
 * Every endpoint needs the root credentials, as Basic or Digest (like a camera set to "basic and
 * digest"), or only the scheme `auth` names: the other is refused and not offered.
 */
export class AuthGuard {
  private readonly digest: DigestAuth;

  constructor(private readonly c: CameraConfig) {
    this.digest = new DigestAuth(c.realm, c.user, c.password, new NonceIssuer(() => c.clock.now(), c.nonceTtlMs));
  }

  /** True when the request may go on; otherwise a 401 with both challenges has been sent. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const result = this.check(req);
    if (result === 'ok') return true;
    const offers: string[] = [];
    if (this.c.auth !== 'basic') offers.push(this.digest.challenge(result === 'stale'));
    if (this.c.auth !== 'digest') offers.push(basicChallenge(this.c.realm));
    reply(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': offers });
    return false;
  }

  private check(req: IncomingMessage): NonceCheck {
    const m = /^(\S+)\s+([^]*)$/.exec(req.headers.authorization ?? '');
    if (!m) return 'invalid';
    const [scheme, rest] = [m[1].toLowerCase(), m[2]];
    if (scheme === 'basic' && this.c.auth !== 'digest') return verifyBasic(rest, this.c.user, this.c.password) ? 'ok' : 'invalid';
    if (scheme === 'digest' && this.c.auth !== 'basic') return this.digest.verify(parseAuthParams(rest), req.method ?? '', req.url ?? '');
    return 'invalid';
  }
}

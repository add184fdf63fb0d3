import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicChallenge, verifyBasic } from './basic-auth';
import { DigestAuth, parseAuthParams } from './digest-auth';
import type { NonceCheck } from './digest-nonce';
import { NonceIssuer } from './digest-nonce';
import { reply } from './http.reply';
import type { CameraConfig } from './virtual-camera.options';

/** Every endpoint needs the root credentials, as Basic or Digest (like a camera set to "basic and digest"). */
export class AuthGuard {
  private readonly digest: DigestAuth;

  constructor(private readonly c: CameraConfig) {
    this.digest = new DigestAuth(c.realm, c.user, c.password, new NonceIssuer(() => c.clock.now()));
  }

  /** True when the request may go on; otherwise a 401 with both challenges has been sent. */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const result = this.check(req);
    if (result === 'ok') return true;
    reply(res, 401, 'Unauthorized\n', {
      'WWW-Authenticate': [this.digest.challenge(result === 'stale'), basicChallenge(this.c.realm)],
    });
    return false;
  }

  private check(req: IncomingMessage): NonceCheck {
    const m = /^(\S+)\s+([^]*)$/.exec(req.headers.authorization ?? '');
    if (!m) return 'invalid';
    const [scheme, rest] = [m[1].toLowerCase(), m[2]];
    if (scheme === 'basic') return verifyBasic(rest, this.c.user, this.c.password) ? 'ok' : 'invalid';
    if (scheme === 'digest') return this.digest.verify(parseAuthParams(rest), req.method ?? '', req.url ?? '');
    return 'invalid';
  }
}

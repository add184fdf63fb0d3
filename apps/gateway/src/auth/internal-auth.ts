import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DigestChallengeCache } from './digest-challenge.cache';
import { Challenges, digestAuthorization, parseChallenges } from '@tether/protocol';

/** force_authentication_mode: 0 auto (Digest when the device offers it, else Basic), 1 always Basic, 2 always Digest. */
export type AuthMode = 0 | 1 | 2;

/** How to send one request with internal credentials. */
export type AuthStep =
  /** `authorization` undefined: send none (mode 2 and the device offers no Digest). `nonce`: the Digest nonce used. */
  | { kind: 'send'; authorization: string | undefined; nonce: string | null }
  /** Nothing known about the device: ask it for a challenge first (a bodyless HEAD). */
  | { kind: 'probe' };

export const INTERNAL_AUTH_OPTIONS = Symbol('InternalAuthOptions');

export interface InternalAuthOptions {
  /** The force_authentication_mode in force (a live key: read per request). */
  mode(): AuthMode;
  cacheSize?: number;
  /** Client nonces; tests fix them. */
  cnonce?(): string;
}

export type Credentials = { user: string; pass: string };

/**
 * Internal authentication towards devices (`credentials`, `force_authentication_mode`): the
 * Authorization the gateway sends instead of the user's, and what it learns from devices' challenges.
 */
@Injectable()
export class InternalAuth {
  readonly cache: DigestChallengeCache;
  private readonly cnonce: () => string;
  /** The Basic value of the last credentials seen (the live key rarely changes: no base64 per request). */
  private basicFor: Credentials | null = null;
  private basicValue = '';

  constructor(@Optional() @Inject(INTERNAL_AUTH_OPTIONS) private readonly opts: InternalAuthOptions = { mode: () => 0 }) {
    this.cache = new DigestChallengeCache(opts.cacheSize);
    this.cnonce = opts.cnonce ?? (() => randomBytes(16).toString('hex'));
  }

  private basic(c: Credentials): string {
    if (c !== this.basicFor) {
      this.basicFor = c;
      this.basicValue = 'Basic ' + Buffer.from(`${c.user}:${c.pass}`).toString('base64');
    }
    return this.basicValue;
  }

  mode(): AuthMode {
    return this.opts.mode();
  }

  /** What to send for `method uri` to `mac`. */
  prepare(mac: string, creds: Credentials, method: string, uri: string): AuthStep {
    const mode = this.opts.mode();
    if (mode === 1) return { kind: 'send', authorization: this.basic(creds), nonce: null };
    const known = this.cache.get(mac);
    if (!known) return { kind: 'probe' };
    if (known.kind === 'basic') return { kind: 'send', authorization: mode === 0 ? this.basic(creds) : undefined, nonce: null };
    const c = known.challenge;
    return { kind: 'send', authorization: digestAuthorization(c, creds, method, uri, ++known.nc, this.cnonce()), nonce: c.nonce };
  }

  /**
   * A probe's answer, or a 401 to a request sent with credentials: remember what the device offers.
   * A probe that brings no Digest challenge means Basic for this device (mode 0; mode 2 then sends none).
   * Returns the challenges read.
   */
  learn(mac: string, wwwAuthenticate: string[], probe: boolean): Challenges {
    const ch = parseChallenges(wwwAuthenticate);
    if (ch.digest) this.cache.setDigest(mac, ch.digest);
    else if (probe) this.cache.setBasic(mac);
    return ch;
  }

  /**
   * A 401 to a request sent with Digest (or none, in mode 2) brought a challenge it did not answer:
   * a stale or rotated nonce, so one resend with it may succeed. The same nonce again means the
   * credentials are wrong: the user gets the device's 401.
   */
  worthRetry(ch: Challenges, usedNonce: string | null): boolean {
    if (this.opts.mode() === 1 || !ch.digest) return false;
    return ch.digest.stale || ch.digest.nonce !== usedNonce;
  }
}


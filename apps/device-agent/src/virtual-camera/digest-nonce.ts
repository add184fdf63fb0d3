import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck = 'ok' | 'stale' | 'invalid';

/** How long a nonce may be used; after that clients get `stale=true` and retry silently. */
export const NONCE_TTL_MS = 10 * 60_000;
/** Bounds on the replay memory (nonces in use, nc values per nonce). */
const MAX_NONCES = 256;
const MAX_NC_PER_NONCE = 1024;

/**
 * Stateless to issue (`<time>.<random>.<hmac>`), so floods of 401s cost no memory; only nonces a
 * client has used are remembered, to refuse a replayed `nc`. Remembering the set of used counts
 * rather than the highest one accepts requests that overtake each other on parallel connections.
 */
export class NonceIssuer {
  private readonly key = randomBytes(32);
  private readonly used = new Map<string, { issued: number; counts: Set<number> }>();
  /** Issue time of the newest nonce forgotten to bound memory; older unknown nonces are stale. */
  private forgottenUpTo = -1;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = NONCE_TTL_MS,
  ) {}

  issue(): string {
    const body = `${this.now().toString(16)}.${randomBytes(8).toString('hex')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** Checks that we issued `nonce`, that it is fresh and that `nc` was not used with it before. */
  use(nonce: string, nc: number): NonceCheck {
    const issued = this.verify(nonce);
    if (issued === null) return 'invalid';
    if (this.now() - issued > this.ttlMs) return 'stale';
    let entry = this.used.get(nonce);
    if (!entry) {
      if (issued <= this.forgottenUpTo) return 'stale';
      this.prune();
      entry = { issued, counts: new Set() };
      this.used.set(nonce, entry);
    }
    if (entry.counts.has(nc)) return 'invalid';
    if (entry.counts.size >= MAX_NC_PER_NONCE) return 'stale';
    entry.counts.add(nc);
    return 'ok';
  }

  /** The issue time, or null when the signature is not ours. */
  private verify(nonce: string): number | null {
    const m = /^([0-9a-f]{1,13})\.([0-9a-f]{16})\.([0-9a-f]{64})$/.exec(nonce);
    if (!m) return null;
    const expected = Buffer.from(this.sign(`${m[1]}.${m[2]}`), 'hex');
    return timingSafeEqual(expected, Buffer.from(m[3], 'hex')) ? parseInt(m[1], 16) : null;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('hex');
  }

  private prune(): void {
    const now = this.now();
    for (const [nonce, e] of this.used) if (now - e.issued > this.ttlMs) this.used.delete(nonce);
    while (this.used.size >= MAX_NONCES) {
      const [oldest, e] = this.used.entries().next().value as [string, { issued: number }];
      this.used.delete(oldest);
      this.forgottenUpTo = Math.max(this.forgottenUpTo, e.issued);
    }
  }
}

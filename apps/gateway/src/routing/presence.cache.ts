import type { PresenceRecord } from '@tether/presence';
import type { Clock } from '@tether/telemetry';

export interface PresenceCacheOptions {
  clock: Clock;
  /** Records kept at most (the oldest inserted goes first). */
  maxEntries: number;
  /** A record is trusted this long at most, whatever the invalidations say (the safety net). */
  ttlMs: number;
}

interface Entry {
  rec: PresenceRecord | null;
  until: number;
}

/**
 * The gateway's local copy of presence records (offline answers too), correct as long as it hears every
 * invalidation: it caches only while its subscription is live, and forgets everything when the
 * subscription drops or comes back (messages in between are lost). A lookup that was under way when its
 * MAC was invalidated may carry the old holder: it is returned but not kept.
 */
export class PresenceCache {
  private readonly entries = new Map<string, Entry>();
  /** MAC -> token of the lookup under way; invalidation deletes it, so that lookup's answer is not kept. */
  private readonly pending = new Map<string, object>();
  private live = false;
  hits = 0;
  misses = 0;

  constructor(private readonly o: PresenceCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached record (null: cached as offline), or undefined when the caller must look it up. */
  get(mac: string): PresenceRecord | null | undefined {
    if (!this.live) return undefined;
    const e = this.entries.get(mac);
    if (!e) return undefined;
    if (e.until <= this.o.clock.now()) {
      this.entries.delete(mac);
      return undefined;
    }
    this.hits++;
    return e.rec;
  }

  /** Looks `mac` up through `lookup` and keeps the answer unless it was invalidated meanwhile. */
  async fill(mac: string, lookup: () => Promise<PresenceRecord | null>): Promise<PresenceRecord | null> {
    this.misses++;
    if (!this.live) return lookup();
    const token = {};
    this.pending.set(mac, token);
    try {
      const rec = await lookup();
      if (this.live && this.pending.get(mac) === token) this.put(mac, rec);
      return rec;
    } finally {
      if (this.pending.get(mac) === token) this.pending.delete(mac);
    }
  }

  private put(mac: string, rec: PresenceRecord | null): void {
    if (this.o.maxEntries <= 0) return;
    this.entries.delete(mac); // re-inserted last: the Map's order is the eviction order
    while (this.entries.size >= this.o.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(mac, { rec, until: this.o.clock.now() + this.o.ttlMs });
  }

  /** Another connection now holds `mac` (or none does). */
  invalidate(mac: string): void {
    this.entries.delete(mac);
    this.pending.delete(mac);
  }

  /** The invalidation stream (re)started (true) or stopped (false): either way, what we hold may be stale. */
  setLive(live: boolean): void {
    this.live = live;
    this.entries.clear();
    this.pending.clear();
  }
}

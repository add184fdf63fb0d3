import type { DigestChallenge } from '@tether/protocol';

/** What the gateway knows about a device's authentication: its last Digest challenge, or that it offers none. */
export type DeviceAuth = { kind: 'digest'; challenge: DigestChallenge; nc: number } | { kind: 'basic' };

export const DEFAULT_CHALLENGE_CACHE_SIZE = 10_000;

/**
 * Per-device authentication state, least recently used dropped first: bounded whatever the fleet
 * size (a dropped device costs one HEAD probe on its next request).
 */
export class DigestChallengeCache {
  private readonly map = new Map<string, DeviceAuth>();

  constructor(readonly maxSize = DEFAULT_CHALLENGE_CACHE_SIZE) {}

  get(mac: string): DeviceAuth | undefined {
    const e = this.map.get(mac);
    if (e) {
      this.map.delete(mac);
      this.map.set(mac, e);
    }
    return e;
  }

  /** A new challenge (nc starts over); the same nonce again keeps its count. */
  setDigest(mac: string, challenge: DigestChallenge): void {
    const old = this.map.get(mac);
    const nc = old?.kind === 'digest' && old.challenge.nonce === challenge.nonce ? old.nc : 0;
    this.put(mac, { kind: 'digest', challenge, nc });
  }

  setBasic(mac: string): void {
    this.put(mac, { kind: 'basic' });
  }

  delete(mac: string): void {
    this.map.delete(mac);
  }

  get size(): number {
    return this.map.size;
  }

  private put(mac: string, e: DeviceAuth): void {
    this.map.delete(mac);
    this.map.set(mac, e);
    if (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value as string);
  }
}

import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { PresenceRecord } from '@tether/presence';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { PresenceCache } from './presence.cache';

/**
 * Edge liveness is cached this long. The edges refresh their liveness key every edge_ttl / 3 s and it
 * expires after edge_ttl: a dead edge's devices look offline within edge_ttl + this.
 */
const EDGE_CACHE_MS = 1000;

/**
 * Finds the edge that holds a device. Presence records are cached locally when the store can tell us
 * about changes (Redis pub/sub: every claim and release publishes the MAC), so a request usually costs no
 * Redis round trip; edge liveness is checked on every route (cached 1 s).
 */
@Injectable()
export class DeviceRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly edges = new Map<string, { alive: boolean; until: number }>();
  private readonly cache?: PresenceCache;
  private unwatch?: () => Promise<void>;
  private readonly log;

  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {
    this.log = deps.logger.child('routing');
    const { presence_cache_size: maxEntries, presence_cache_ttl: ttlS } = deps.config;
    if (deps.presence.watch && maxEntries > 0)
      this.cache = new PresenceCache({ clock: deps.clock, maxEntries, ttlMs: ttlS * 1000 });
  }

  onModuleInit(): void {
    const cache = this.cache;
    if (!cache || !this.deps.presence.watch) return;
    this.unwatch = this.deps.presence.watch({
      changed: (mac) => cache.invalidate(mac),
      live: (subscribed) => {
        cache.setLive(subscribed);
        this.log.debug(subscribed ? 'presence cache on (invalidations subscribed)' : 'presence cache off until resubscribed');
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unwatch?.();
  }

  /** The owning connection, or null when the device is offline or its edge is gone. */
  async route(mac: string): Promise<PresenceRecord | null> {
    const rec = await this.lookup(mac);
    if (!rec) return null;
    return (await this.edgeAlive(rec.edgeId)) ? rec : null;
  }

  /** Cached records and hit counts (diagnosis, tests). */
  cacheStats(): { size: number; hits: number; misses: number } | null {
    return this.cache ? { size: this.cache.size, hits: this.cache.hits, misses: this.cache.misses } : null;
  }

  private lookup(mac: string): Promise<PresenceRecord | null> {
    const cache = this.cache;
    if (!cache) return this.deps.presence.lookup(mac);
    const hit = cache.get(mac);
    if (hit !== undefined) return Promise.resolve(hit);
    return cache.fill(mac, () => this.deps.presence.lookup(mac));
  }

  private async edgeAlive(edgeId: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const hit = this.edges.get(edgeId);
    if (hit && hit.until > now) return hit.alive;
    const alive = await this.deps.presence.edgeAlive(edgeId);
    this.edges.set(edgeId, { alive, until: now + EDGE_CACHE_MS });
    return alive;
  }
}

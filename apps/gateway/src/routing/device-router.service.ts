import { Inject, Injectable } from '@nestjs/common';
import type { PresenceRecord } from '@tether/presence';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';

const EDGE_CACHE_MS = 1000;

/** Finds the edge that holds a device. Edge liveness is cached briefly; device presence is not. */
@Injectable()
export class DeviceRouter {
  private readonly edges = new Map<string, { alive: boolean; until: number }>();

  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  /** The owning connection, or null when the device is offline or its edge is gone. */
  async route(mac: string): Promise<PresenceRecord | null> {
    const rec = await this.deps.presence.lookup(mac);
    if (!rec) return null;
    return (await this.edgeAlive(rec.edgeId)) ? rec : null;
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

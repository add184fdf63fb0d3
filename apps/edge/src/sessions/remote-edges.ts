import type { PresenceStore } from '@tether/presence';
import type { Clock } from '@tether/telemetry';

export interface RemoteEdgesOptions {
  presence: PresenceStore;
  clock: Clock;
  /** How long a liveness answer is reused (a storm claims thousands of MACs of the same dead edge). */
  aliveCacheMs?: number;
  /** How long an edge that failed a command is not tried again. */
  failureHoldMs?: number;
}

/**
 * Whether telling another edge to drop a connection is worth a gRPC call: not when its liveness key is
 * gone or it just failed one (after an edge died, every device it held is claimed here within seconds,
 * and each claim would otherwise call the dead edge).
 */
export class RemoteEdges {
  private readonly alive = new Map<string, { alive: boolean; until: number }>();
  private readonly failedUntil = new Map<string, number>();
  private readonly aliveCacheMs: number;
  private readonly failureHoldMs: number;

  constructor(private readonly o: RemoteEdgesOptions) {
    this.aliveCacheMs = o.aliveCacheMs ?? 1000;
    this.failureHoldMs = o.failureHoldMs ?? 5000;
  }

  async reachable(edgeId: string): Promise<boolean> {
    const now = this.o.clock.now();
    if ((this.failedUntil.get(edgeId) ?? 0) > now) return false;
    const hit = this.alive.get(edgeId);
    if (hit && hit.until > now) return hit.alive;
    const alive = await this.o.presence.edgeAlive(edgeId).catch(() => true);
    this.alive.set(edgeId, { alive, until: now + this.aliveCacheMs });
    return alive;
  }

  failed(edgeId: string): void {
    this.failedUntil.set(edgeId, this.o.clock.now() + this.failureHoldMs);
  }
}

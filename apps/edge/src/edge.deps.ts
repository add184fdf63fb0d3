import type { TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';

/** What the host hands the edge: adapters chosen by the deployment (memory or Redis/gRPC). */
export interface EdgeDeps {
  config: TetherConfig;
  presence: PresenceStore;
  /** Reaches other edges (to evict a stale connection of a MAC that moved). */
  edgeLink: EdgeLink;
  logger: Logger;
  metrics: TetherMetrics;
  clock: Clock;
}

export const EDGE_DEPS = Symbol('EdgeDeps');

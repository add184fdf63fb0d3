import type { ClusterBus } from '@tether/cluster';
import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';

/** What the host hands the edge: adapters chosen by the deployment (memory or Redis/gRPC). */
export interface EdgeDeps {
  /** The configuration at start (static keys never change). */
  config: TetherConfig;
  /** The configuration in force: live keys change on reload (reload_config.cgi, SIGUSR1). */
  live: ConfigHolder;
  presence: PresenceStore;
  /** Reaches other edges (to evict a stale connection of a MAC that moved). */
  edgeLink: EdgeLink;
  logger: Logger;
  /** The processes' shared channel: members, queries, cluster totals, the debug stream. */
  bus: ClusterBus;
  metrics: TetherMetrics;
  clock: Clock;
}

export const EDGE_DEPS = Symbol('EdgeDeps');

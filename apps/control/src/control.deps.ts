import type { ClusterBus } from '@tether/cluster';
import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger } from '@tether/telemetry';

/** What the host hands control: it reaches the edges through presence (who is alive) and the edge link. */
export interface ControlDeps {
  /** The configuration at start (static keys never change). */
  config: TetherConfig;
  /** The configuration in force: live keys change on reload (reload_config.cgi, SIGUSR1). */
  live: ConfigHolder;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  logger: Logger;
  /** The processes' shared channel: members, queries, cluster totals, the debug stream. */
  bus: ClusterBus;
  clock: Clock;
  /** Reported as server_version. */
  version: string;
}

export const CONTROL_DEPS = Symbol('ControlDeps');

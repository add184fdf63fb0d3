import type { ClusterBus } from '@tether/cluster';
import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { ShortcutStore } from '@tether/shortcuts';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';

/** What the host hands the gateway: it keeps no state of its own. */
export interface GatewayDeps {
  /** The configuration at start (static keys never change). */
  config: TetherConfig;
  /** The configuration in force: live keys change on reload (reload_config.cgi, SIGUSR1). */
  live: ConfigHolder;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  /** The shortcuts listen_user_ext serves (created by control's shortcut.cgi). */
  shortcuts: ShortcutStore;
  logger: Logger;
  /** The processes' shared channel: members, queries, cluster totals, the debug stream. */
  bus: ClusterBus;
  metrics: TetherMetrics;
  clock: Clock;
}

export const GATEWAY_DEPS = Symbol('GatewayDeps');

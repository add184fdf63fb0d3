import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger } from '@tether/telemetry';
import type { ClusterReloadReport } from './config/cluster-reload';
import type { ConfigReload } from './config/config-reload.port';

/** What the host hands control: it reaches the edges through presence (who is alive) and the edge link. */
export interface ControlDeps {
  /** The configuration at start (static keys never change). */
  config: TetherConfig;
  /** The configuration in force: live keys change on reload (reload_config.cgi, SIGUSR1). */
  live: ConfigHolder;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  logger: Logger;
  clock: Clock;
  /** Reported as server_version. */
  version: string;
  /** Reloads the host's configuration file (reload_config.cgi); absent: nothing to reload, the CGI answers 500. */
  reload?: ConfigReload;
  /**
   * Asks every other process of the cluster to reload its own file (reloadCluster over the cluster bus);
   * absent in the all-in-one, where control's reload is the process's reload.
   */
  reloadOthers?: () => Promise<ClusterReloadReport>;
}

export const CONTROL_DEPS = Symbol('ControlDeps');

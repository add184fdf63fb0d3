import type { ClusterBus } from '@tether/cluster';
import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { DeliveryHooks } from '@tether/notify';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { ShortcutStore } from '@tether/shortcuts';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';
import type { ClusterReloadReport } from './config/cluster-reload';
import type { ConfigReload } from './config/config-reload.port';

/**
 * Delivery of the queued notifications (server_up, server_down, client_connect, client_disconnect): control
 * runs it (the BullMQ worker in the cluster; the in-process queue in the all-in-one) and hears every outcome.
 */
export interface NotificationDeliveries {
  /** Starts delivering; every delivered or dropped notification is reported to `hooks`. */
  start(hooks: DeliveryHooks): Promise<void>;
  /** Stops taking notifications (those in flight finish); what is queued stays queued. */
  stop(): Promise<void>;
}

/** What the host hands control: it reaches the edges through presence (who is alive) and the edge link. */
export interface ControlDeps {
  /** The configuration at start (static keys never change). */
  config: TetherConfig;
  /** The configuration in force: live keys change on reload (reload_config.cgi, SIGUSR1). */
  live: ConfigHolder;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  /** Where shortcut.cgi registers shortcuts (shared with every gateway). */
  shortcuts: ShortcutStore;
  logger: Logger;
  /** This process's metrics; `/metrics` on the admin listeners serves their exposition (absent: 404). */
  metrics?: TetherMetrics;
  /** The processes' shared channel: members, queries, cluster totals, the debug stream. */
  bus: ClusterBus;
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
  /** Absent: this process delivers no notifications. */
  notificationDelivery?: NotificationDeliveries;
}

export const CONTROL_DEPS = Symbol('ControlDeps');

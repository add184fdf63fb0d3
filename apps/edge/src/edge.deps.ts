import type { ClusterBus } from '@tether/cluster';
import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { HelloDecision, HelloRequest, Notification } from '@tether/notify';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';

/**
 * The O3C notifications as the edge sees them (reference section 6): client_hello asked synchronously,
 * the other kinds queued (in memory in the all-in-one, BullMQ in the cluster, where control delivers them).
 */
export interface EdgeNotificationPort {
  /** Asks every receiver whether the device may connect here; never rejects. */
  hello(req: HelloRequest, forceAccept: boolean): Promise<HelloDecision>;
  /** Queues server_up, server_down, client_connect or client_disconnect; resolves once queued. */
  enqueue(n: Notification): Promise<void>;
  /** After the last enqueue (server_down): lets what is queued reach its receivers or durable storage. */
  stop(): Promise<void>;
}

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
  /** Absent: no notifications (every device is accepted, nothing is sent). */
  notifications?: EdgeNotificationPort;
}

export const EDGE_DEPS = Symbol('EdgeDeps');

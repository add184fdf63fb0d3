import type { TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger, TetherMetrics } from '@tether/telemetry';

/** What the host hands the gateway: it keeps no state of its own. */
export interface GatewayDeps {
  config: TetherConfig;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  logger: Logger;
  metrics: TetherMetrics;
  clock: Clock;
}

export const GATEWAY_DEPS = Symbol('GatewayDeps');

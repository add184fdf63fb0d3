import type { TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { Clock, Logger } from '@tether/telemetry';

/** What the host hands control: it reaches the edges through presence (who is alive) and the edge link. */
export interface ControlDeps {
  config: TetherConfig;
  presence: PresenceStore;
  edgeLink: EdgeLink;
  logger: Logger;
  clock: Clock;
  /** Reported as server_version. */
  version: string;
}

export const CONTROL_DEPS = Symbol('ControlDeps');

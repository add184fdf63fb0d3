import type { TetherConfig } from '@tether/config';
import type { Clock, Logger } from '@tether/telemetry';

/** What the host hands the dispatcher: it needs no Redis and no cluster. */
export interface DispatcherDeps {
  config: TetherConfig;
  logger: Logger;
  clock: Clock;
}

export const DISPATCHER_DEPS = Symbol('DispatcherDeps');

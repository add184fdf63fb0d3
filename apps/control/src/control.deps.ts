import type { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeLink } from '@tether/protocol';
import type { PresenceStore } from '@tether/presence';
import type { ShortcutStore } from '@tether/shortcuts';
import type { Clock, Logger } from '@tether/telemetry';

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
  clock: Clock;
  /** Reported as server_version. */
  version: string;
}

export const CONTROL_DEPS = Symbol('ControlDeps');

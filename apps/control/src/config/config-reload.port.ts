import type { ConfigKey } from '@tether/config';

/** What one process's reload came to. */
export type ConfigReloadResult =
  | { ok: true; /** Static keys that changed: logged, in force only after a restart. */ notApplied: ConfigKey[] }
  | { ok: false; /** Why the new configuration was refused (the old one stays in force). */ reason: string };

/**
 * Reloads this process's configuration file (the host's `--config`): validates it, applies the live
 * keys, logs the rest. Provided by the host (apps/tether runtime), also run on SIGUSR1.
 */
export interface ConfigReload {
  reload(trigger: string): ConfigReloadResult | Promise<ConfigReloadResult>;
}

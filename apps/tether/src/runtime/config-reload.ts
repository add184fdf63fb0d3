import { RELOAD_CONFIG_TOPIC } from '@tether/app-control';
import type { ConfigReload, ConfigReloadResult } from '@tether/app-control';
import {
  ConfigError,
  ConfigHolder,
  ConfigKey,
  TetherConfig,
  changedStaticKeys,
  guardListener,
  loadConfigFile,
} from '@tether/config';
import type { Logger } from '@tether/telemetry';

/** Listeners and the live credential each demands off loopback: a reload may not open one up. */
const GUARDED: Array<[ConfigKey, ConfigKey]> = [
  ['listen_user', 'user_credentials'],
  ['listen_admin', 'admin_credentials'],
  ['listen_admin_https', 'admin_credentials'],
  ['listen_metrics', 'metrics_credentials'],
  ['grpc_listen', 'cluster_token'],
];

export interface ConfigReloaderOptions {
  /** The `--config` file the process started from; null: started without one, nothing to reload. */
  file: string | null;
  live: ConfigHolder;
  logger: Logger;
  /** Reads and validates the file (default: loadConfigFile, with the same TETHER_<KEY> overrides as at start). */
  load?: (file: string) => TetherConfig;
}

/**
 * Reloads one process's configuration (reload_config.cgi, SIGUSR1): the file is read and validated
 * again; a valid one puts its live keys in force and each changed static key is logged as needing a
 * restart; an invalid one is logged with every problem and the configuration in force stays as it was.
 */
export class ConfigReloader implements ConfigReload {
  private readonly log;
  private readonly load: (file: string) => TetherConfig;

  constructor(private readonly o: ConfigReloaderOptions) {
    this.log = o.logger.child('config');
    this.load = o.load ?? ((file) => loadConfigFile(file));
  }

  reload(trigger: string): ConfigReloadResult {
    if (!this.o.file) {
      const reason = 'no configuration file to reload (started without --config)';
      this.log.error(`reload (${trigger}) refused: ${reason}`);
      return { ok: false, reason };
    }
    let next: TetherConfig;
    try {
      next = this.load(this.o.file);
      this.checkListeners(next);
    } catch (err) {
      const lines =
        err instanceof ConfigError
          ? err.problems.map((p) => `${p.file}${p.line ? ':' + p.line : ''}: ${p.key}: ${p.reason}`)
          : [(err as Error).message];
      this.log.error(`reload (${trigger}) refused, the configuration in force stays: ${this.o.file} is invalid`);
      for (const l of lines) this.log.error(`  ${l}`);
      return { ok: false, reason: lines.join('; ') };
    }
    const { notApplied } = this.o.live.apply(next);
    for (const key of notApplied)
      this.log.warn(`reload (${trigger}): ${key} changed but cannot change while running; in force after a restart`);
    this.log.notice(
      `configuration reloaded from ${this.o.file} (${trigger})` +
        (notApplied.length ? `; not applied until restart: ${notApplied.join(', ')}` : ''),
    );
    return { ok: true, notApplied };
  }

  /** The listeners stay as started; the credentials they demand come from the new file. */
  private checkListeners(next: TetherConfig): void {
    const prev = this.o.live.current;
    const inForce = { ...next } as Record<string, unknown>;
    for (const k of changedStaticKeys(prev, next)) inForce[k] = prev[k];
    for (const [listen, credential] of GUARDED) {
      const address = prev[listen];
      if (!address || typeof address !== 'object' || !('port' in address)) continue;
      // Only a listener that passed at start (or the last reload) is held to it.
      if (!passes(() => guardListener(listen, address, credential, prev))) continue;
      guardListener(listen, address, credential, inForce as TetherConfig);
    }
  }
}

function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGUSR1 reloads (reference 3.9 note: `killall -SIGUSR1 o3c-server`). Installed before the apps
 * start: a listener also keeps Node from opening its inspector on SIGUSR1. Returns the uninstaller.
 */
export function reloadOnSignal(reload: ConfigReload): () => void {
  const onSignal = () => void Promise.resolve(reload.reload('SIGUSR1'));
  process.on('SIGUSR1', onSignal);
  return () => process.off('SIGUSR1', onSignal);
}

/** For processes without a configuration file (`tether agent`): SIGUSR1 is ignored (not Node's inspector). */
export function ignoreReloadSignal(): void {
  process.on('SIGUSR1', () => undefined);
}

/**
 * Answers control's cluster-wide reload (reload_config.cgi asks every edge and gateway over the cluster
 * bus) by reloading this process's file. Register it on exactly one cluster node per process: a
 * process's apps share one configuration.
 */
export function answerConfigReloads(node: { respond(topic: string, handler: (args: unknown) => unknown): void }, reload: ConfigReload): void {
  node.respond(RELOAD_CONFIG_TOPIC, () => reload.reload('reload_config.cgi via control'));
}

import type { DynamicModule } from '@nestjs/common';
import { ConfigHolder, TetherConfig } from '@tether/config';
import type { EdgeDeps } from '@tether/app-edge';
import type { GatewayDeps } from '@tether/app-gateway';
import type { ConfigReload } from '@tether/app-control';
import { noopMetrics } from '@tether/telemetry';
import { ParsedFlags, str } from '../cli/flags';
import { makeEdgeLink, makeLogger, makePresence, systemClock } from './adapters';
import { startApps, untilSignal } from './app-runner';
import { ConfigReloader, reloadOnSignal } from './config-reload';
import { configFromFlags } from './load-config';

/** The adapters every app of a separate (clustered) process gets: each app declares the same set. */
export type ClusterDeps = EdgeDeps & GatewayDeps & { reload: ConfigReload };

/** Validates the configuration, builds the cluster adapters, boots `modules` and lives until a signal. */
export async function runClusterApps(
  flags: ParsedFlags,
  modules: (deps: ClusterDeps) => DynamicModule[],
  check: (config: TetherConfig) => void = () => undefined,
): Promise<number> {
  const config = configFromFlags(flags);
  check(config);
  const logger = makeLogger(config);
  const live = new ConfigHolder(config, systemClock.now);
  const reload = new ConfigReloader({ file: str(flags, 'config') ?? null, live, logger });
  reloadOnSignal(reload);
  const deps: ClusterDeps = {
    config,
    live,
    reload,
    presence: makePresence(config, logger),
    edgeLink: makeEdgeLink(config),
    logger,
    metrics: noopMetrics,
    clock: systemClock,
  };
  await startApps(modules(deps), logger);
  return untilSignal();
}

/** Gateways and control find devices through Redis; alone they would see nothing. */
export function needsRedis(command: string): (config: TetherConfig) => void {
  return (config) => {
    if (!config.redis_url) throw new Error(`a separate ${command} needs redis_url (use \`tether server\` for one process)`);
  };
}

import type { DynamicModule } from '@nestjs/common';
import { ConfigHolder, TetherConfig } from '@tether/config';
import { EdgeClusterMember, type EdgeDeps } from '@tether/app-edge';
import { GatewayClusterMember, type GatewayDeps } from '@tether/app-gateway';
import type { ConfigReload, NotificationDeliveries } from '@tether/app-control';
import { ParsedFlags, str } from '../cli/flags';
import { makeBus, makeEdgeLink, makeNotifications, makePresence, makeShortcuts, startLogRelay, systemClock } from './adapters';
import { startApps, untilSignal } from './app-runner';
import { ConfigReloader, answerConfigReloads, reloadOnSignal } from './config-reload';
import { configFromFlags } from './load-config';
import { countReloads, makeTelemetry } from './telemetry';
import { TelemetryModule } from './telemetry.module';

/** The adapters every app of a separate (clustered) process gets: each app declares the same set. */
export type ClusterDeps = EdgeDeps & GatewayDeps & { reload: ConfigReload; notificationDelivery: NotificationDeliveries };

/** Validates the configuration, builds the cluster adapters, boots `modules` and lives until a signal. */
export async function runClusterApps(
  flags: ParsedFlags,
  modules: (deps: ClusterDeps) => DynamicModule[],
  check: (config: TetherConfig) => void = () => undefined,
): Promise<number> {
  const config = configFromFlags(flags);
  check(config);
  const telemetry = makeTelemetry(config);
  const { logger, metrics } = telemetry;
  const bus = makeBus(config, logger);
  const live = new ConfigHolder(config, systemClock.now);
  const reload = countReloads(new ConfigReloader({ file: str(flags, 'config') ?? null, live, logger }), metrics);
  reloadOnSignal(reload);
  // Edges queue (enqueue only), control delivers (the worker); each opens its Redis connections on first use.
  const notifications = makeNotifications(config, logger);
  const deps: ClusterDeps = {
    config,
    live,
    reload,
    presence: makePresence(config, logger, metrics),
    edgeLink: makeEdgeLink(config),
    shortcuts: makeShortcuts(config, logger),
    logger,
    bus,
    metrics,
    clock: systemClock,
    notifications: notifications.edge,
    notificationDelivery: notifications.control,
  };
  startLogRelay(bus, logger);
  const app = await startApps([...modules(deps), TelemetryModule.register({ telemetry, live })], logger);
  // One answer per process (its apps share one file): the first cluster member it hosts answers reloads.
  const node = [EdgeClusterMember, GatewayClusterMember]
    .map((m) => tryGet(() => app.get(m, { strict: false }).node))
    .find((n) => n);
  if (node) answerConfigReloads(node, reload);
  return untilSignal();
}

function tryGet<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined; // this process does not host that app
  }
}

/** Gateways and control find devices through Redis; alone they would see nothing. */
export function needsRedis(command: string): (config: TetherConfig) => void {
  return (config) => {
    if (!config.redis_url) throw new Error(`a separate ${command} needs redis_url (use \`tether server\` for one process)`);
  };
}

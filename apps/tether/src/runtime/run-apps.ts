import type { DynamicModule } from '@nestjs/common';
import { ConfigHolder, TetherConfig } from '@tether/config';
import { EdgeClusterMember, type EdgeDeps } from '@tether/app-edge';
import { GatewayClusterMember, type GatewayDeps } from '@tether/app-gateway';
import type { ConfigReload, NotificationDeliveries } from '@tether/app-control';
import type { EdgeLink } from '@tether/protocol';
import { ParsedFlags, str } from '../cli/flags';
import { makeBus, makeEdgeLink, makeNotifications, makePresence, makeShortcuts, startLogRelay, systemClock } from './adapters';
import { startApps, untilSignal } from './app-runner';
import { ConfigReloader, answerConfigReloads, reloadOnSignal } from './config-reload';
import { configFromFlags } from './load-config';
import { Telemetry, countReloads, makeTelemetry } from './telemetry';
import { TelemetryModule } from './telemetry.module';

/** The adapters every app of a process gets: each app declares the same set. */
export type ClusterDeps = EdgeDeps & GatewayDeps & { reload: ConfigReload; notificationDelivery: NotificationDeliveries };

/**
 * The adapters a process hands its apps, chosen by the configuration (memory, or Redis and gRPC), with its
 * reloader armed on SIGUSR1 (`reloadFile` null: nothing to reload) and the debug.cgi relay started.
 */
export function makeProcessDeps(config: TetherConfig, telemetry: Telemetry, reloadFile: string | null, edgeLink: EdgeLink = makeEdgeLink(config)): ClusterDeps {
  const { logger, metrics } = telemetry;
  const live = new ConfigHolder(config, systemClock.now);
  const reload = countReloads(new ConfigReloader({ file: reloadFile, live, logger }), metrics);
  reloadOnSignal(reload);
  const bus = makeBus(config, logger);
  startLogRelay(bus, logger);
  // Edges queue, control delivers; each opens its Redis connections on first use (memory without redis_url).
  const notifications = makeNotifications(config, logger);
  return {
    config,
    live,
    reload,
    presence: makePresence(config, logger, metrics),
    edgeLink,
    // One shortcut store for a process's gateway and control (memory unless redis_url is set).
    shortcuts: makeShortcuts(config, logger),
    logger,
    bus,
    metrics,
    clock: systemClock,
    notifications: notifications.edge,
    notificationDelivery: notifications.control,
  };
}

/** Validates the configuration, builds the cluster adapters, boots `modules` and lives until a signal. */
export async function runClusterApps(
  flags: ParsedFlags,
  modules: (deps: ClusterDeps) => DynamicModule[],
  check: (config: TetherConfig) => void = () => undefined,
): Promise<number> {
  const config = configFromFlags(flags);
  check(config);
  const telemetry = makeTelemetry(config);
  const deps = makeProcessDeps(config, telemetry, str(flags, 'config') ?? null);
  const app = await startApps([...modules(deps), TelemetryModule.register({ telemetry, live: deps.live })], deps.logger);
  // One answer per process (its apps share one file): the first cluster member it hosts answers reloads.
  const node = [EdgeClusterMember, GatewayClusterMember]
    .map((m) => tryGet(() => app.get(m, { strict: false }).node))
    .find((n) => n);
  if (node) answerConfigReloads(node, deps.reload);
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

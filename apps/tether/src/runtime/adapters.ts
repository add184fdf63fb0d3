import { ClusterBus, LogRelay, MemoryClusterBus, RedisClusterBus } from '@tether/cluster';
import type { TetherConfig } from '@tether/config';
import { MemoryPresenceStore, PresenceStore, RedisPresenceStore } from '@tether/presence';
import { connectRedis } from '@tether/redis';
import { GrpcEdgeLink } from '@tether/protocol';
import { MemoryShortcutStore, RedisShortcutStore, ShortcutStore } from '@tether/shortcuts';
import { LOG_LEVELS, Logger, TetherMetrics, noopMetrics, systemClock } from '@tether/telemetry';

// The logger and metrics of a server process come from makeTelemetry (./telemetry.ts); notifications from
// makeNotifications (./notifications.ts: BullMQ when redis_url is set, otherwise in-process).
export { makeNotifications } from './notifications';

/** One warning when a connection loses Redis, one notice when it is back (ioredis emits 'error' per retry). */
function reportAvailability(redis: ReturnType<typeof connectRedis>, logger: Logger, what: string, onError?: () => void): void {
  let down = false;
  redis.on('error', (err: Error) => {
    onError?.();
    if (!down) logger.child('redis').warn(`Redis unavailable${what}: ${err.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.child('redis').notice(`Redis available again${what}`);
    down = false;
  });
}

/** Redis when redis_url is set (the cluster), otherwise in-process (one process holds everything). */
export function makePresence(config: TetherConfig, logger: Logger, metrics: TetherMetrics = noopMetrics): PresenceStore {
  if (!config.redis_url) return new MemoryPresenceStore(systemClock.now);
  const redis = connectRedis(config.redis_url);
  reportAvailability(redis, logger, '', () => metrics.redisError());
  return new RedisPresenceStore(redis, { prefix: config.redis_prefix, ttlMs: config.presence_ttl * 1000 });
}

/**
 * Shortcuts: Redis when redis_url is set (any gateway serves what control created), otherwise in-process
 * (`tether server`: one store shared by its gateway and control). Connects on first use: edges, which
 * get the same deps, never open this connection.
 */
export function makeShortcuts(config: TetherConfig, logger: Logger): ShortcutStore {
  if (!config.redis_url) return new MemoryShortcutStore(systemClock.now);
  const redis = connectRedis(config.redis_url, { lazyConnect: true });
  reportAvailability(redis, logger, ' for shortcuts');
  return new RedisShortcutStore(redis, { prefix: config.redis_prefix });
}

export function makeEdgeLink(config: TetherConfig): GrpcEdgeLink {
  return new GrpcEdgeLink({ token: config.cluster_token || undefined });
}

/** The cluster bus: Redis when redis_url is set, otherwise in-process (the all-in-one server). */
export function makeBus(config: TetherConfig, logger: Logger): ClusterBus {
  if (!config.redis_url) return new MemoryClusterBus(systemClock.now);
  const log = logger.child('cluster');
  // Its own connections: a slow SCAN or PUBLISH never queues behind presence's heartbeat scripts.
  const redis = connectRedis(config.redis_url);
  redis.on('error', () => undefined); // presence's connection reports Redis being away
  return new RedisClusterBus(redis, { prefix: config.redis_prefix }, (m) => log.warn(m));
}

/**
 * debug.cgi's side in this process: relays log records over the bus while a stream listens. Not
 * awaited: with Redis away the subscription completes on reconnection, and the process must start.
 */
export function startLogRelay(bus: ClusterBus, logger: Logger): LogRelay {
  const relay = new LogRelay(bus, logger, systemClock);
  relay.start().catch((err: Error) => logger.child('cluster').warn(`debug.cgi relay unavailable: ${err.message}`));
  return relay;
}

export { LOG_LEVELS, systemClock };

import type { TetherConfig } from '@tether/config';
import { MemoryPresenceStore, PresenceStore, RedisPresenceStore, connectRedis } from '@tether/presence';
import { GrpcEdgeLink } from '@tether/protocol';
import { LOG_LEVELS, Logger, TetherMetrics, noopMetrics, systemClock } from '@tether/telemetry';

// The logger and metrics of a server process come from makeTelemetry (./telemetry.ts).

/** Redis when redis_url is set (the cluster), otherwise in-process (one process holds everything). */
export function makePresence(config: TetherConfig, logger: Logger, metrics: TetherMetrics = noopMetrics): PresenceStore {
  if (!config.redis_url) return new MemoryPresenceStore(systemClock.now);
  const redis = connectRedis(config.redis_url);
  let down = false;
  redis.on('error', (err: Error) => {
    metrics.redisError();
    if (!down) logger.child('redis').warn(`Redis unavailable: ${err.message}`);
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.child('redis').notice('Redis available again');
    down = false;
  });
  return new RedisPresenceStore(redis, { prefix: config.redis_prefix, ttlMs: config.presence_ttl * 1000 });
}

export function makeEdgeLink(config: TetherConfig): GrpcEdgeLink {
  return new GrpcEdgeLink({ token: config.cluster_token || undefined });
}

export { LOG_LEVELS, systemClock };

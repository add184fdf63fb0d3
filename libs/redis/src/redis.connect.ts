import Redis, { RedisOptions } from 'ioredis';

/** A client that fails commands fast while Redis is away (callers retry on their own schedule). */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...extra,
  });
}

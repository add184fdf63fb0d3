import type Redis from 'ioredis';

/**
 * Every key under `prefix` with its value, by SCAN (not KEYS: the keyspace holds every device) and one MGET.
 * A value is null when its key expired between the two.
 */
export async function scanValues(redis: Redis, prefix: string): Promise<Array<{ key: string; value: string | null }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (!keys.length) return [];
  const values = await redis.mget(...keys);
  return keys.map((key, i) => ({ key, value: values[i] ?? null }));
}

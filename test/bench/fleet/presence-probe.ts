import Redis from 'ioredis';

/**
 * Reads device presence straight from the cluster's Redis (the edge field of `tether:dev:<mac>`): the truth
 * gateways route by. The fleet's MACs are known, so this asks for exactly those keys (pipelined HGETs) instead
 * of SCANning the keyspace, which may miss or repeat keys rewritten during the scan.
 */
export class PresenceProbe {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix = 'tether:',
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 10_000, lazyConnect: false });
    this.redis.on('error', () => undefined); // surfaced by the commands
  }

  /** How many of `macs` each edge holds; `''` counts those without presence. */
  async countByEdge(macs: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const BATCH = 2000;
    for (let i = 0; i < macs.length; i += BATCH) {
      const pipe = this.redis.pipeline();
      for (const mac of macs.slice(i, i + BATCH)) pipe.hget(`${this.prefix}dev:${mac}`, 'edge');
      for (const [err, edge] of (await pipe.exec()) ?? []) {
        if (err) throw err;
        const k = (edge as string | null) ?? '';
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The MACs of `macs` that `edgeId` does not hold (for a report of who is missing). */
  async notOn(edgeId: string, macs: string[]): Promise<string[]> {
    const out: string[] = [];
    const BATCH = 2000;
    for (let i = 0; i < macs.length; i += BATCH) {
      const batch = macs.slice(i, i + BATCH);
      const pipe = this.redis.pipeline();
      for (const mac of batch) pipe.hget(`${this.prefix}dev:${mac}`, 'edge');
      ((await pipe.exec()) ?? []).forEach(([, edge], j) => {
        if (edge !== edgeId) out.push(batch[j]);
      });
    }
    return out;
  }

  /** EVAL + EVALSHA calls so far (presence claims, refreshes and releases are Lua scripts). */
  async scriptCalls(): Promise<number> {
    const info = await this.redis.info('commandstats');
    let n = 0;
    for (const m of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) n += Number(m[1]);
    return n;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

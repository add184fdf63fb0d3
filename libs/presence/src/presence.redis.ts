import Redis from 'ioredis';
import { CLAIM_LUA, REFRESH_LUA, RELEASE_LUA } from './presence.lua';
import { ClaimResult, PresenceClaim, PresenceRecord, PresenceStore } from './presence.types';

type Scripted = Redis & {
  presenceClaim(key: string, ...argv: string[]): Promise<(string | null)[]>;
  presenceRefresh(key: string, ...argv: string[]): Promise<number>;
  presenceRelease(key: string, epoch: string): Promise<number>;
};

export interface RedisPresenceOptions {
  prefix: string;
  /** Lifetime of a claim and of an edge's heartbeat key without refresh. */
  ttlMs: number;
}

/** Presence in Redis: one hash per device, one key per live edge; everything expires unless refreshed. */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly opts: RedisPresenceOptions,
  ) {
    redis.defineCommand('presenceClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
    redis.defineCommand('presenceRefresh', { numberOfKeys: 1, lua: REFRESH_LUA });
    redis.defineCommand('presenceRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.redis = redis as Scripted;
  }

  private deviceKey(mac: string): string {
    return `${this.opts.prefix}dev:${mac}`;
  }

  private edgeKey(edgeId: string): string {
    return `${this.opts.prefix}edge:${edgeId}`;
  }

  private argv(r: PresenceClaim): string[] {
    return [r.edgeId, r.edgeAddress, r.connectionId, r.srcaddr, String(r.connectedAt), String(r.protocolVersion)];
  }

  async claim(claim: PresenceClaim): Promise<ClaimResult> {
    const [epoch, prevEpoch, edge, addr, cid, src, at, v] = await this.redis.presenceClaim(
      this.deviceKey(claim.mac),
      '-', // unused: the script takes the time from Redis
      String(this.opts.ttlMs),
      ...this.argv(claim),
    );
    const previous: PresenceRecord | null = prevEpoch
      ? {
          mac: claim.mac,
          epoch: prevEpoch,
          edgeId: edge ?? '',
          edgeAddress: addr ?? '',
          connectionId: cid ?? '',
          srcaddr: src ?? '',
          connectedAt: Number(at ?? 0),
          protocolVersion: Number(v ?? 0),
        }
      : null;
    return { epoch: epoch as string, previous };
  }

  async refresh(records: PresenceRecord[]): Promise<string[]> {
    const lost: string[] = [];
    const BATCH = 500;
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      const pipe = this.redis.pipeline();
      for (const r of batch)
        (pipe as unknown as Scripted).presenceRefresh(
          this.deviceKey(r.mac),
          r.epoch,
          String(this.opts.ttlMs),
          ...this.argv(r),
        );
      const results = (await pipe.exec()) ?? [];
      results.forEach(([err, held], j) => {
        if (err) throw err;
        if (held === 0) lost.push(batch[j].mac);
      });
    }
    return lost;
  }

  async release(mac: string, epoch: string): Promise<boolean> {
    return (await this.redis.presenceRelease(this.deviceKey(mac), epoch)) === 1;
  }

  async lookup(mac: string): Promise<PresenceRecord | null> {
    const h = await this.redis.hgetall(this.deviceKey(mac));
    if (!h.epoch) return null;
    return {
      mac,
      epoch: h.epoch,
      edgeId: h.edge,
      edgeAddress: h.addr,
      connectionId: h.cid,
      srcaddr: h.src,
      connectedAt: Number(h.at),
      protocolVersion: Number(h.v),
    };
  }

  async announceEdge(edgeId: string, address: string): Promise<void> {
    await this.redis.set(this.edgeKey(edgeId), address, 'PX', this.opts.ttlMs);
  }

  async withdrawEdge(edgeId: string): Promise<void> {
    await this.redis.del(this.edgeKey(edgeId));
  }

  async edgeAlive(edgeId: string): Promise<boolean> {
    return (await this.redis.exists(this.edgeKey(edgeId))) === 1;
  }

  /** SCAN, not KEYS: the edge keys are few, but the keyspace holds every device. */
  async listEdges(): Promise<Array<{ edgeId: string; address: string }>> {
    const prefix = `${this.opts.prefix}edge:`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (!keys.length) return [];
    const addresses = await this.redis.mget(...keys);
    return keys
      .map((k, i) => ({ edgeId: k.slice(prefix.length), address: addresses[i] ?? '' }))
      .filter((e) => e.address);
  }

  /** ioredis emits 'ready' on the first connection and after every reconnection. */
  onReconnect(fn: () => void): void {
    this.redis.on('ready', fn);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** A client that fails commands fast while Redis is away (callers retry on their own schedule). */
export function connectRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 3000,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

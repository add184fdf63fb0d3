import Redis from 'ioredis';
import { scanValues } from '@tether/redis';
import { CLAIM_LUA, REFRESH_MANY_LUA, RELEASE_LUA } from './presence.lua';
import {
  ClaimResult,
  EdgeInfo,
  LiveEdge,
  PresenceClaim,
  PresenceRecord,
  PresenceStore,
  PresenceWatcher,
  decodeEdgeValue,
  encodeEdgeValue,
} from './presence.types';

type Scripted = Redis & {
  presenceClaim(key: string, ...argv: string[]): Promise<(string | null)[]>;
  presenceRefreshMany(numKeys: number, ...keysAndArgv: string[]): Promise<number[]>;
  presenceRelease(key: string, epoch: string, channel: string, mac: string): Promise<number>;
};

/** Claims per heartbeat script call: big enough to amortise the call, small enough not to stall Redis. */
const REFRESH_BATCH = 500;

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
    redis.defineCommand('presenceRefreshMany', { lua: REFRESH_MANY_LUA });
    redis.defineCommand('presenceRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.redis = redis as Scripted;
  }

  private deviceKey(mac: string): string {
    return `${this.opts.prefix}dev:${mac}`;
  }

  private edgeKey(edgeId: string): string {
    return `${this.opts.prefix}edge:${edgeId}`;
  }

  /** The pub/sub channel every change of a device's holder is published on (its MAC). */
  get channel(): string {
    return `${this.opts.prefix}presence`;
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
      this.channel,
      claim.mac,
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
    for (let i = 0; i < records.length; i += REFRESH_BATCH) {
      const batch = records.slice(i, i + REFRESH_BATCH);
      const keys = batch.map((r) => this.deviceKey(r.mac));
      const argv = [String(this.opts.ttlMs), this.channel];
      for (const r of batch) argv.push(r.epoch, ...this.argv(r), r.mac);
      const held = await this.redis.presenceRefreshMany(keys.length, ...keys, ...argv);
      held.forEach((h, j) => {
        if (h === 0) lost.push(batch[j].mac);
      });
    }
    return lost;
  }

  async release(mac: string, epoch: string): Promise<boolean> {
    return (await this.redis.presenceRelease(this.deviceKey(mac), epoch, this.channel, mac)) === 1;
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

  async announceEdge(edgeId: string, address: string, ttlMs = this.opts.ttlMs, info?: EdgeInfo): Promise<void> {
    await this.redis.set(this.edgeKey(edgeId), encodeEdgeValue(address, info), 'PX', ttlMs);
  }

  async withdrawEdge(edgeId: string): Promise<void> {
    await this.redis.del(this.edgeKey(edgeId));
  }

  async edgeAlive(edgeId: string): Promise<boolean> {
    return (await this.redis.exists(this.edgeKey(edgeId))) === 1;
  }

  /** The edge keys are few, beside every device's key (scanValues). */
  async listEdges(): Promise<LiveEdge[]> {
    const prefix = `${this.opts.prefix}edge:`;
    const found = await scanValues(this.redis, prefix);
    return found.map(({ key, value }) => decodeEdgeValue(key.slice(prefix.length), value ?? '')).filter((e): e is LiveEdge => e !== null);
  }

  /** ioredis emits 'ready' on the first connection and after every reconnection. */
  onReconnect(fn: () => void): void {
    this.redis.on('ready', fn);
  }

  /**
   * A second connection (a subscribed one can send nothing else) on the invalidation channel. Live
   * only once SUBSCRIBE is confirmed; any drop of that connection says not live until it is again.
   */
  watch(watcher: PresenceWatcher): () => Promise<void> {
    const sub = this.redis.duplicate({ autoResubscribe: false, enableOfflineQueue: true, maxRetriesPerRequest: null });
    let stopped = false;
    let live = false;
    const setLive = (v: boolean) => {
      if (v === live) return;
      live = v;
      watcher.live(v);
    };
    sub.on('error', () => undefined); // the drop itself is what matters: 'close' follows
    sub.on('close', () => setLive(false));
    sub.on('ready', () => {
      // Subscribed here after every (re)connection, and live only once Redis confirmed it.
      sub.subscribe(this.channel).then(
        () => !stopped && setLive(true),
        () => sub.disconnect(true),
      );
    });
    sub.on('message', (_channel: string, mac: string) => watcher.changed(mac));
    return async () => {
      stopped = true;
      setLive(false);
      sub.disconnect();
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

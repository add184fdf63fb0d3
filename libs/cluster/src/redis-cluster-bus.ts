import Redis from 'ioredis';
import { scanValues } from '@tether/redis';
import type { BusHandler, ClusterBus, ClusterMember } from './cluster-bus';

export interface RedisClusterBusOptions {
  /** `redis_prefix`: channels are `<prefix>bus:<name>`, members `<prefix>member:<id>`, totals `<prefix>totals`. */
  prefix: string;
}

/**
 * The bus on Redis: PUBLISH on the command connection, a dedicated subscriber connection (a subscribed
 * connection can send nothing else) that ioredis resubscribes after a reconnection; members are keys
 * with a TTL; the totals one hash of HINCRBY counters (no TTL: they are the cluster's, not a process's).
 */
export class RedisClusterBus implements ClusterBus {
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly log: (message: string) => void;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisClusterBusOptions,
    log: (message: string) => void = () => undefined,
  ) {
    this.log = log;
    this.sub = redis.duplicate({ autoResubscribe: true, enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.sub.on('error', () => undefined); // the command connection reports Redis being away
    this.sub.on('message', (channel: string, text: string) => this.deliver(channel, text));
  }

  private channel(name: string): string {
    return `${this.opts.prefix}bus:${name}`;
  }

  private memberKey(id: string): string {
    return `${this.opts.prefix}member:${id}`;
  }

  private get totalsKey(): string {
    return `${this.opts.prefix}totals`;
  }

  private deliver(channel: string, text: string): void {
    const set = this.handlers.get(channel);
    if (!set?.size) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.log(`dropped a message on ${channel} that is not JSON`);
      return;
    }
    for (const h of [...set]) h(message);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.redis.publish(this.channel(channel), JSON.stringify(message));
  }

  async subscribe(name: string, handler: BusHandler): Promise<() => Promise<void>> {
    const channel = this.channel(name);
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    const h: BusHandler = (m) => handler(m);
    set.add(h);
    if (set.size === 1) {
      try {
        await this.sub.subscribe(channel);
      } catch (err) {
        set.delete(h);
        throw err;
      }
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      set.delete(h);
      if (set.size || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      await this.sub.unsubscribe(channel).catch(() => undefined);
    };
  }

  async announce(member: ClusterMember, ttlMs: number): Promise<void> {
    await this.redis.set(this.memberKey(member.id), JSON.stringify(member), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async withdraw(id: string): Promise<void> {
    await this.redis.del(this.memberKey(id));
  }

  /** The members are few, beside every device's key (scanValues). */
  async members(): Promise<ClusterMember[]> {
    const found = await scanValues(this.redis, this.memberKey(''));
    const out: ClusterMember[] = [];
    for (const { value: v } of found) {
      if (!v) continue; // expired between SCAN and MGET
      try {
        const m = JSON.parse(v) as ClusterMember;
        if (typeof m.id === 'string' && typeof m.role === 'string') out.push({ id: m.id, role: m.role });
      } catch {
        // not ours: ignore
      }
    }
    return out;
  }

  async addTotals(deltas: Record<string, number>): Promise<void> {
    const entries = Object.entries(deltas).filter(([, v]) => v);
    if (!entries.length) return;
    const multi = this.redis.multi();
    for (const [k, v] of entries) multi.hincrby(this.totalsKey, k, v);
    const res = await multi.exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('totals transaction discarded');
  }

  async totals(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.totalsKey);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** The bus owns both connections. */
  async close(): Promise<void> {
    this.handlers.clear();
    this.sub.disconnect();
    this.redis.disconnect();
  }
}

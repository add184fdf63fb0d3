import type { BusHandler, ClusterBus, ClusterMember } from './cluster-bus';

/**
 * The bus of the all-in-one server: everything in one process. Delivery is asynchronous (a microtask
 * later), as with Redis, so callers never rely on a handler running inside publish().
 */
export class MemoryClusterBus implements ClusterBus {
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly alive = new Map<string, { member: ClusterMember; until: number }>();
  private readonly sums = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async publish(channel: string, message: unknown): Promise<void> {
    const handlers = this.channels.get(channel);
    if (!handlers?.size) return;
    // A copy through JSON: receivers must not share objects with the sender (Redis would not).
    const text = JSON.stringify(message);
    queueMicrotask(() => {
      for (const h of [...handlers]) h(JSON.parse(text));
    });
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    // Wrapped: the same handler subscribed twice is two subscriptions.
    const h: BusHandler = (m) => handler(m);
    set.add(h);
    return async () => {
      set.delete(h);
      if (!set.size && this.channels.get(channel) === set) this.channels.delete(channel);
    };
  }

  async announce(member: ClusterMember, ttlMs: number): Promise<void> {
    this.alive.set(member.id, { member: { ...member }, until: this.now() + ttlMs });
  }

  async withdraw(id: string): Promise<void> {
    this.alive.delete(id);
  }

  async members(): Promise<ClusterMember[]> {
    const now = this.now();
    const out: ClusterMember[] = [];
    for (const [id, m] of this.alive) {
      if (m.until <= now) this.alive.delete(id);
      else out.push({ ...m.member });
    }
    return out;
  }

  async addTotals(deltas: Record<string, number>): Promise<void> {
    for (const [k, v] of Object.entries(deltas)) if (v) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
  }

  async totals(): Promise<Record<string, number>> {
    return Object.fromEntries(this.sums);
  }

  /** Subscriptions still open (tests check that nothing leaks). */
  subscriptions(channel?: string): number {
    if (channel) return this.channels.get(channel)?.size ?? 0;
    let n = 0;
    for (const s of this.channels.values()) n += s.size;
    return n;
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

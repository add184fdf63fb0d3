/** A process of the cluster that answers queries (edges, gateways; control only asks). */
export interface ClusterMember {
  /** Unique in the cluster: stserverid, role, pid and a random part (pids repeat across containers). */
  id: string;
  role: string;
}

export type BusHandler = (message: unknown) => void;

/**
 * The processes' shared channel: JSON messages on named channels (fire and forget, no history: a
 * subscriber sees only what is published after its subscription is confirmed), who is alive (each
 * member refreshes its own TTL), and the cluster totals (counters summed over every process, kept
 * across process restarts).
 */
export interface ClusterBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once messages on the channel are delivered; the result unsubscribes. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  /** Announces (or refreshes) a member for `ttlMs`. */
  announce(member: ClusterMember, ttlMs: number): Promise<void>;
  withdraw(id: string): Promise<void>;
  /** Members whose announcement has not expired. */
  members(): Promise<ClusterMember[]>;
  /** Adds to the cluster totals (HINCRBY in Redis). */
  addTotals(deltas: Record<string, number>): Promise<void>;
  totals(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

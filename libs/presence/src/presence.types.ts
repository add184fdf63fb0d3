/** Who holds a device: written by the edge that accepted it, read by gateways and control. */
export interface PresenceRecord {
  mac: string;
  edgeId: string;
  /** gRPC address of that edge (host:port). */
  edgeAddress: string;
  /** `count.mac` */
  connectionId: string;
  /** Grows with every new connection of the MAC; the highest epoch owns the device. */
  epoch: string;
  srcaddr: string;
  connectedAt: number;
  protocolVersion: number;
}

export type PresenceClaim = Omit<PresenceRecord, 'epoch'>;

/** What an edge says about itself in its liveness key, beside its gRPC address. */
export interface EdgeInfo {
  /** Where devices reach it (client_advertise, else listen_client): the `server` of a redirect to this edge. */
  client?: string;
  /** Leaving (SIGTERM): it still serves the devices it holds, but no device is to be sent here. */
  draining?: boolean;
}

/** A live edge as listEdges reports it. */
export interface LiveEdge extends EdgeInfo {
  edgeId: string;
  /** gRPC address (host:port). */
  address: string;
}

/**
 * The liveness key's value: the bare gRPC address when there is nothing more to say (what edges wrote
 * before EdgeInfo existed, still read), else JSON.
 */
export function encodeEdgeValue(address: string, info: EdgeInfo = {}): string {
  if (!info.client && !info.draining) return address;
  return JSON.stringify({ addr: address, ...(info.client ? { client: info.client } : {}), ...(info.draining ? { draining: true } : {}) });
}

export function decodeEdgeValue(edgeId: string, value: string): LiveEdge | null {
  if (!value) return null;
  if (!value.startsWith('{')) return { edgeId, address: value };
  try {
    const v = JSON.parse(value) as { addr?: unknown; client?: unknown; draining?: unknown };
    if (typeof v.addr !== 'string' || !v.addr) return null;
    return {
      edgeId,
      address: v.addr,
      ...(typeof v.client === 'string' && v.client ? { client: v.client } : {}),
      ...(v.draining === true ? { draining: true } : {}),
    };
  } catch {
    return null;
  }
}

export interface ClaimResult {
  epoch: string;
  /** The connection this claim displaced, if any (its edge should close it). */
  previous: PresenceRecord | null;
}

/**
 * Presence: device -> owning connection. Writes are compare-and-set on the epoch, so a newer
 * connection of a MAC always wins and a stale edge can neither refresh nor delete it.
 */
export interface PresenceStore {
  claim(claim: PresenceClaim): Promise<ClaimResult>;
  /** Re-announces held claims (after a Redis restart too); returns the MACs lost to a newer epoch. */
  refresh(records: PresenceRecord[]): Promise<string[]>;
  /** Deletes the claim only if `epoch` still owns it. */
  release(mac: string, epoch: string): Promise<boolean>;
  lookup(mac: string): Promise<PresenceRecord | null>;
  /**
   * Edge liveness: refreshed by each edge's heartbeat; `ttlMs` (default: the claims' TTL) is how soon a
   * dead edge's key disappears, so gateways stop routing to it long before its claims expire. `info`:
   * where devices reach it and whether it is draining (control and draining edges choose targets by it).
   */
  announceEdge(edgeId: string, address: string, ttlMs?: number, info?: EdgeInfo): Promise<void>;
  withdrawEdge(edgeId: string): Promise<void>;
  edgeAlive(edgeId: string): Promise<boolean>;
  /** Every live edge: its gRPC address and what it announced (device address, draining). */
  listEdges(): Promise<LiveEdge[]>;
  /**
   * Calls `fn` each time the backend is (re)connected. A Redis that restarted empty has lost every
   * claim: holders re-announce at once instead of at their next heartbeat (a third of presence_ttl,
   * 30 s by default, during which every device would look offline). Absent for in-process stores.
   */
  onReconnect?(fn: () => void): void;
  /**
   * Follows changes of presence (claims, releases, re-created claims) for a local cache; absent for
   * in-process stores (nothing to cache). Returns the unsubscribe function.
   */
  watch?(watcher: PresenceWatcher): () => Promise<void>;
  close(): Promise<void>;
}

/** What a cache of presence records is told; messages may be lost while `live(false)`. */
export interface PresenceWatcher {
  /** The holder of `mac` changed (claimed, released or re-created). */
  changed(mac: string): void;
  /**
   * true: subscribed (again): every message from now on arrives, and those sent while not subscribed
   * are lost, so anything cached before may be stale. false: not subscribed, messages are being lost.
   */
  live(subscribed: boolean): void;
}

export const PRESENCE_STORE = Symbol('PresenceStore');

/** A new epoch: above the current one and at least the caller's clock in microseconds. */
export function nextEpoch(current: string | null | undefined, nowMs: number): string {
  const cur = current ? BigInt(current) : 0n;
  const hint = BigInt(Math.floor(nowMs)) * 1000n;
  return (cur + 1n > hint ? cur + 1n : hint).toString();
}

export function epochNewer(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

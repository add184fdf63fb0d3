import {
  ClaimResult,
  EdgeInfo,
  LiveEdge,
  PresenceClaim,
  PresenceRecord,
  PresenceStore,
  epochNewer,
  nextEpoch,
} from './presence.types';

/** In-process presence for the all-in-one server: same rules as Redis, no TTLs (one process owns all). */
export class MemoryPresenceStore implements PresenceStore {
  private readonly devices = new Map<string, PresenceRecord>();
  private readonly edges = new Map<string, LiveEdge>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(claim: PresenceClaim): Promise<ClaimResult> {
    const previous = this.devices.get(claim.mac) ?? null;
    const epoch = nextEpoch(previous?.epoch, this.now());
    this.devices.set(claim.mac, { ...claim, epoch });
    return { epoch, previous };
  }

  async refresh(records: PresenceRecord[]): Promise<string[]> {
    const lost: string[] = [];
    for (const r of records) {
      const cur = this.devices.get(r.mac);
      if (cur && epochNewer(cur.epoch, r.epoch)) lost.push(r.mac);
      else if (!cur || cur.epoch !== r.epoch) this.devices.set(r.mac, { ...r });
    }
    return lost;
  }

  async release(mac: string, epoch: string): Promise<boolean> {
    if (this.devices.get(mac)?.epoch !== epoch) return false;
    this.devices.delete(mac);
    return true;
  }

  async lookup(mac: string): Promise<PresenceRecord | null> {
    return this.devices.get(mac) ?? null;
  }

  async announceEdge(edgeId: string, address: string, _ttlMs?: number, info: EdgeInfo = {}): Promise<void> {
    this.edges.set(edgeId, { edgeId, address, ...(info.client ? { client: info.client } : {}), ...(info.draining ? { draining: true } : {}) });
  }

  async withdrawEdge(edgeId: string): Promise<void> {
    this.edges.delete(edgeId);
  }

  async edgeAlive(edgeId: string): Promise<boolean> {
    return this.edges.has(edgeId);
  }

  async listEdges(): Promise<LiveEdge[]> {
    return [...this.edges.values()].map((e) => ({ ...e }));
  }

  async close(): Promise<void> {
    this.devices.clear();
  }
}

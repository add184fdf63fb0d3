/** An edge that takes part in a rebalance: it is live, not draining, and devices can reach it at `client`. */
export interface BalanceEdge {
  edgeId: string;
  /** Its device address: the `server` of a redirect to it. */
  client: string;
  /** The MACs it holds now. */
  devices: string[];
}

export interface Move {
  mac: string;
  from: string;
  to: string;
  /** The redirect's server (the target's device address). */
  server: string;
}

export interface RebalancePlan {
  /** Devices each edge should end with, by edge id (the counts differ by one at most). */
  quota: Map<string, number>;
  /** In the order to issue them: targets take turns, each move from the fullest remaining donor. */
  moves: Move[];
}

/**
 * About the same number of devices on every edge with the fewest moves: the fullest edges keep the
 * extra device when the total does not divide evenly, only the surplus above each quota moves, and the
 * moves alternate between the targets (the emptiest first) so each receives at an even share of the rate.
 */
export function planRebalance(edges: BalanceEdge[]): RebalancePlan {
  const sorted = [...edges].sort((a, b) => b.devices.length - a.devices.length || a.edgeId.localeCompare(b.edgeId));
  const total = sorted.reduce((n, e) => n + e.devices.length, 0);
  const quota = new Map<string, number>();
  const base = sorted.length ? Math.floor(total / sorted.length) : 0;
  const extra = sorted.length ? total % sorted.length : 0;
  sorted.forEach((e, i) => quota.set(e.edgeId, base + (i < extra ? 1 : 0)));

  const donors = sorted
    .filter((e) => e.devices.length > (quota.get(e.edgeId) ?? 0))
    .map((e) => ({ edge: e, spare: e.devices.slice(quota.get(e.edgeId)) }));
  const receivers = sorted
    .filter((e) => e.devices.length < (quota.get(e.edgeId) ?? 0))
    .sort((a, b) => a.devices.length - b.devices.length || a.edgeId.localeCompare(b.edgeId)) // emptiest first
    .map((e) => ({ edge: e, missing: (quota.get(e.edgeId) ?? 0) - e.devices.length }));

  const moves: Move[] = [];
  while (receivers.some((r) => r.missing > 0)) {
    for (const r of receivers) {
      if (r.missing <= 0) continue;
      const donor = donors.reduce((best, d) => (d.spare.length > best.spare.length ? d : best), donors[0]);
      const mac = donor?.spare.shift();
      if (!mac) return { quota, moves };
      moves.push({ mac, from: donor.edge.edgeId, to: r.edge.edgeId, server: r.edge.client });
      r.missing--;
    }
  }
  return { quota, moves };
}

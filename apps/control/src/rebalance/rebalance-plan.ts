/** A device as the plan sees it: its MAC and, when its edge reported it, its server list. */
export interface BalanceDevice {
  mac: string;
  /** Where a redirect can send it; empty or absent: unknown, any edge is tried. */
  servers?: string[];
}

/** An edge that takes part in a rebalance: it is live, not draining, and devices can reach it at `client`. */
export interface BalanceEdge {
  edgeId: string;
  /** Its device address: the `server` of a redirect to it. */
  client: string;
  /** The devices it holds now. */
  devices: BalanceDevice[];
}

export interface Move {
  mac: string;
  from: string;
  /** The edge the plan counts the device for; for a reconnect, the load balancer picks the actual edge. */
  to: string;
  /** The redirect's server (the target's device address). */
  server: string;
  /**
   * `redirect` names the target; `reconnect` when the target shares the source's device address (one
   * load balancer in front of both): a redirect to that address could land on the source again anyway.
   */
  action: 'redirect' | 'reconnect';
}

export interface RebalancePlan {
  /** Devices each edge should end with, by edge id (the counts differ by one at most). */
  quota: Map<string, number>;
  /** In the order to issue them: targets take turns, each move from the fullest remaining donor. */
  moves: Move[];
  /** Places below a quota no surplus device can fill: no server list names that edge. */
  unfilled: number;
}

const canGo = (d: BalanceDevice, client: string) => !d.servers?.length || d.servers.includes(client);

/**
 * About the same number of devices on every edge with the fewest moves: the fullest edges keep the
 * extra device when the total does not divide evenly, only the surplus above each quota moves, and the
 * moves alternate between the targets (the emptiest first) so each receives at an even share of the rate.
 * A device moves only to an edge its server list names (a redirect elsewhere would leave it in place).
 * Between edges that share one device address the move is a reconnect (see Move.action).
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
    .map((e) => ({ edge: e, left: [...e.devices], surplus: e.devices.length - (quota.get(e.edgeId) ?? 0) }));
  const receivers = sorted
    .filter((e) => e.devices.length < (quota.get(e.edgeId) ?? 0))
    .sort((a, b) => a.devices.length - b.devices.length || a.edgeId.localeCompare(b.edgeId)) // emptiest first
    .map((e) => ({ edge: e, missing: (quota.get(e.edgeId) ?? 0) - e.devices.length }));

  const moves: Move[] = [];
  let unfilled = 0;
  while (receivers.some((r) => r.missing > 0)) {
    for (const r of receivers) {
      if (r.missing <= 0) continue;
      let pick: { donor: (typeof donors)[number]; i: number } | null = null;
      for (const d of donors) {
        if (d.surplus <= 0 || (pick && d.surplus <= pick.donor.surplus)) continue;
        // From the end of the edge's list: the devices it reported first stay.
        for (let i = d.left.length - 1; i >= 0; i--) {
          if (!canGo(d.left[i], r.edge.client)) continue;
          pick = { donor: d, i };
          break;
        }
      }
      if (!pick) {
        unfilled += r.missing;
        r.missing = 0;
        continue;
      }
      const [dev] = pick.donor.left.splice(pick.i, 1);
      pick.donor.surplus--;
      const action = pick.donor.edge.client === r.edge.client ? 'reconnect' : 'redirect';
      moves.push({ mac: dev.mac, from: pick.donor.edge.edgeId, to: r.edge.edgeId, server: r.edge.client, action });
      r.missing--;
    }
  }
  return { quota, moves, unfilled };
}

/** Fraction of its quota an edge may be off by and still count as balanced (reconnect rounds stop there). */
export const REBALANCE_TOLERANCE = 0.1;

/** True when every edge holds its quota within REBALANCE_TOLERANCE (and at least one device either way). */
export function withinTolerance(edges: BalanceEdge[], quota: Map<string, number>): boolean {
  return edges.every((e) => {
    const q = quota.get(e.edgeId) ?? 0;
    return Math.abs(e.devices.length - q) <= Math.max(1, Math.floor(q * REBALANCE_TOLERANCE));
  });
}

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
  to: string;
  /** The redirect's server (the target's device address). */
  server: string;
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
      moves.push({ mac: dev.mac, from: pick.donor.edge.edgeId, to: r.edge.edgeId, server: r.edge.client });
      r.missing--;
    }
  }
  return { quota, moves, unfilled };
}

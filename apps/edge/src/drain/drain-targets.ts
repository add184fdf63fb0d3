import type { LiveEdge } from '@tether/presence';

/** An edge a draining edge may send devices to, with the devices it holds (counting those sent so far). */
export interface DrainTarget {
  edgeId: string;
  /** Its device address: the `server` of the redirect, compared with the device's server list as text. */
  client: string;
  load: number;
}

/**
 * The other live edges that take devices: not draining, with a device address of their own (edges behind
 * one shared address, such as a single Kubernetes Service, cannot be chosen by a redirect: those devices
 * are reconnected and the load balancer picks an edge that still accepts).
 */
export function drainTargets(self: { edgeId: string; client: string }, edges: LiveEdge[], loads: Map<string, number>): DrainTarget[] {
  return edges
    .filter((e) => e.edgeId !== self.edgeId && !e.draining && !!e.client && e.client !== self.client)
    .map((e) => ({ edgeId: e.edgeId, client: e.client as string, load: loads.get(e.edgeId) ?? 0 }));
}

/**
 * Where to send a device: the least-loaded target its server list names (a device obeys a redirect only
 * to a server of its list); ties go to the one earlier in the list. Null: none, the device is reconnected
 * and finds its way through its list. The chosen target's load grows by one.
 */
export function chooseTarget(servers: readonly string[], targets: DrainTarget[]): DrainTarget | null {
  let best: DrainTarget | null = null;
  let bestRank = Infinity;
  for (const t of targets) {
    const rank = servers.indexOf(t.client);
    if (rank < 0) continue;
    if (!best || t.load < best.load || (t.load === best.load && rank < bestRank)) {
      best = t;
      bestRank = rank;
    }
  }
  if (best) best.load++;
  return best;
}

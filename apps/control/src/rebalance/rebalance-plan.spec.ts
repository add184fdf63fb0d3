import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BalanceEdge, planRebalance, withinTolerance } from './rebalance-plan';

const macs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
const edge = (id: string, n: number, servers?: string[]): BalanceEdge => ({
  edgeId: id,
  client: `${id}:8443`,
  devices: macs(`${id}-`, n).map((mac) => ({ mac, servers })),
});

/** Devices per edge once the plan is carried out. */
function after(edges: BalanceEdge[], plan: ReturnType<typeof planRebalance>): Record<string, number> {
  const n: Record<string, number> = Object.fromEntries(edges.map((e) => [e.edgeId, e.devices.length]));
  for (const m of plan.moves) {
    n[m.from]--;
    n[m.to]++;
  }
  return n;
}

describe('rebalance plan', () => {
  it('200 devices on one of three edges: 133 moves, 67/67/66 at the end', () => {
    const edges = [edge('e0', 200), edge('e1', 0), edge('e2', 0)];
    const plan = planRebalance(edges);
    assert.equal(plan.moves.length, 133);
    assert.deepEqual(after(edges, plan), { e0: 67, e1: 67, e2: 66 });
    assert.ok(plan.moves.every((m) => m.from === 'e0' && m.server === `${m.to}:8443`));
    assert.equal(new Set(plan.moves.map((m) => m.mac)).size, 133, 'each device moves once');
  });

  it('alternates the targets so each gets an even share of the rate', () => {
    const plan = planRebalance([edge('e0', 9), edge('e1', 0), edge('e2', 0)]);
    assert.deepEqual(plan.moves.map((m) => m.to), ['e1', 'e2', 'e1', 'e2', 'e1', 'e2']);
  });

  it('moves only the surplus, from the fullest donor first, and nothing when balanced', () => {
    const edges = [edge('a', 10), edge('b', 7), edge('c', 1)];
    const plan = planRebalance(edges);
    assert.deepEqual(after(edges, plan), { a: 6, b: 6, c: 6 });
    assert.equal(plan.moves.length, 5);
    assert.deepEqual(plan.moves.map((m) => m.from), ['a', 'a', 'a', 'a', 'b']);
    assert.equal(planRebalance([edge('a', 3), edge('b', 4), edge('c', 3)]).moves.length, 0);
  });

  it('never moves a device from an edge at or below its quota', () => {
    const edges = [edge('a', 5), edge('b', 5), edge('c', 0), edge('d', 11)];
    const plan = planRebalance(edges);
    const end = after(edges, plan);
    assert.ok(Math.max(...Object.values(end)) - Math.min(...Object.values(end)) <= 1, JSON.stringify(end));
    assert.ok(plan.moves.every((m) => m.from === 'd'), JSON.stringify(plan.moves));
  });

  it('moves a device only to an edge its server list names, and says how many places stay unfilled', () => {
    const edges = [
      { edgeId: 'a', client: 'a:1', devices: [...macs('x', 4).map((mac) => ({ mac, servers: ['a:1', 'b:1'] })), ...macs('y', 2).map((mac) => ({ mac, servers: ['a:1', 'c:1'] }))] },
      { edgeId: 'b', client: 'b:1', devices: [] },
      { edgeId: 'c', client: 'c:1', devices: [] },
    ];
    const plan = planRebalance(edges);
    assert.deepEqual(plan.moves.map((m) => [m.mac.slice(0, 1), m.to]), [['x', 'b'], ['y', 'c'], ['x', 'b'], ['y', 'c']]);
    assert.equal(plan.unfilled, 0);
    const none = planRebalance([edge('a', 6, ['a:8443']), edge('b', 0), edge('c', 0)]);
    assert.deepEqual(none.moves, []);
    assert.equal(none.unfilled, 4);
  });

  it('reconnects instead of redirecting between edges that share one device address', () => {
    const shared = (id: string, n: number): BalanceEdge => ({ ...edge(id, n), client: 'svc:8443' });
    const all = planRebalance([shared('e0', 9), shared('e1', 0), shared('e2', 0)]);
    assert.equal(all.moves.length, 6);
    assert.ok(all.moves.every((m) => m.action === 'reconnect' && m.from === 'e0' && m.server === 'svc:8443'), JSON.stringify(all.moves));
    // e0 and e1 behind the balancer, e2 on its own address: redirects to e2, reconnects toward e1.
    const mixed = planRebalance([shared('e0', 9), shared('e1', 0), edge('e2', 0)]);
    assert.deepEqual(mixed.moves.map((m) => `${m.action} ${m.to}`), ['reconnect e1', 'redirect e2', 'reconnect e1', 'redirect e2', 'reconnect e1', 'redirect e2']);
    assert.ok(planRebalance([edge('e0', 9), edge('e1', 0)]).moves.every((m) => m.action === 'redirect'));
  });

  it('tolerance: every edge within a tenth of its quota, at least one device', () => {
    const q = new Map([['a', 30], ['b', 30], ['c', 30]]);
    assert.ok(withinTolerance([edge('a', 33), edge('b', 28), edge('c', 29)], q));
    assert.ok(!withinTolerance([edge('a', 34), edge('b', 28), edge('c', 28)], q));
    assert.ok(withinTolerance([edge('a', 2), edge('b', 1)], new Map([['a', 2], ['b', 1]])));
    assert.ok(!withinTolerance([edge('a', 4), edge('b', 0)], new Map([['a', 2], ['b', 2]])));
  });

  it('no edges or no devices: nothing to do', () => {
    assert.deepEqual(planRebalance([]).moves, []);
    assert.deepEqual(planRebalance([edge('a', 0), edge('b', 0)]).moves, []);
  });
});

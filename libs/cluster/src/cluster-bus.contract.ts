import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ClusterBus } from './cluster-bus';

const settle = () => new Promise((r) => setTimeout(r, 30));

/** The rules every ClusterBus keeps (run against memory and Redis). `expire` lets `ms` pass for TTLs. */
export function busContract(bus: () => ClusterBus, h: { expire(ms: number): Promise<void> }): void {
  it('delivers JSON messages to every subscriber of the channel, and only of that channel', async () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const other: unknown[] = [];
    const ua = await bus().subscribe('chan', (m) => a.push(m));
    const ub = await bus().subscribe('chan', (m) => b.push(m));
    const uo = await bus().subscribe('other', (m) => other.push(m));
    await bus().publish('chan', { n: 1, s: 'x' });
    await settle();
    assert.deepEqual(a, [{ n: 1, s: 'x' }]);
    assert.deepEqual(b, [{ n: 1, s: 'x' }]);
    assert.deepEqual(other, []);
    await ua();
    await bus().publish('chan', { n: 2 });
    await settle();
    assert.equal(a.length, 1, 'an unsubscribed handler gets nothing more');
    assert.deepEqual(b, [{ n: 1, s: 'x' }, { n: 2 }], 'the other subscriber of the channel still gets it');
    await ub();
    await uo();
  });

  it('lists members until their announcement expires or they withdraw', async () => {
    await bus().announce({ id: 'a', role: 'edge' }, 1000);
    await bus().announce({ id: 'b', role: 'gateway' }, 5000);
    assert.deepEqual((await bus().members()).map((m) => m.id).sort(), ['a', 'b']);
    await h.expire(1500);
    assert.deepEqual((await bus().members()).map((m) => m.id), ['b']);
    await bus().withdraw('b');
    assert.deepEqual(await bus().members(), []);
  });

  it('sums totals from several writers', async () => {
    const before = await bus().totals();
    await bus().addTotals({ total_x: 2, total_y: 0 });
    await bus().addTotals({ total_x: 3, total_y: 7 });
    const after = await bus().totals();
    assert.equal((after.total_x ?? 0) - (before.total_x ?? 0), 5);
    assert.equal((after.total_y ?? 0) - (before.total_y ?? 0), 7);
  });
}

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PresenceClaim, PresenceStore } from './presence.types';

export const claimOf = (mac: string, edgeId: string): PresenceClaim => ({
  mac,
  edgeId,
  edgeAddress: `${edgeId}:7000`,
  connectionId: `1.${mac}`,
  srcaddr: '10.0.0.1:4000',
  connectedAt: 1_700_000_000_000,
  protocolVersion: 2,
});

/** The rules every PresenceStore keeps (run against memory and Redis). */
export function presenceContract(store: () => PresenceStore): void {
  const mac = () => `00408c${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0')}`;

  it('a newer claim of a MAC wins and reports the one it displaced', async () => {
    const m = mac();
    const a = await store().claim(claimOf(m, 'edge-a'));
    assert.equal(a.previous, null);
    const b = await store().claim(claimOf(m, 'edge-b'));
    assert.ok(BigInt(b.epoch) > BigInt(a.epoch));
    assert.equal(b.previous?.edgeId, 'edge-a');
    assert.equal(b.previous?.epoch, a.epoch);
    assert.equal((await store().lookup(m))?.edgeId, 'edge-b');
  });

  it('a stale edge can neither delete nor refresh over the newer owner', async () => {
    const m = mac();
    const a = await store().claim(claimOf(m, 'edge-a'));
    const b = await store().claim(claimOf(m, 'edge-b'));
    assert.equal(await store().release(m, a.epoch), false);
    const lost = await store().refresh([{ ...claimOf(m, 'edge-a'), epoch: a.epoch }]);
    assert.deepEqual(lost, [m]);
    const rec = await store().lookup(m);
    assert.equal(rec?.edgeId, 'edge-b');
    assert.equal(rec?.epoch, b.epoch);
    assert.equal(await store().release(m, b.epoch), true);
    assert.equal(await store().lookup(m), null);
  });

  it('refresh re-creates a claim that was lost (e.g. Redis restarted empty)', async () => {
    const m = mac();
    const a = await store().claim(claimOf(m, 'edge-a'));
    await store().release(m, a.epoch);
    assert.deepEqual(await store().refresh([{ ...claimOf(m, 'edge-a'), epoch: a.epoch }]), []);
    const rec = await store().lookup(m);
    assert.equal(rec?.epoch, a.epoch);
    assert.equal(rec?.connectionId, `1.${m}`);
    assert.equal(rec?.srcaddr, '10.0.0.1:4000');
    assert.equal(rec?.protocolVersion, 2);
    const next = await store().claim(claimOf(m, 'edge-b'));
    assert.ok(BigInt(next.epoch) > BigInt(a.epoch), 'a claim after re-creation is still newer');
  });

  it('tracks edge liveness', async () => {
    const id = `edge-${mac()}`;
    assert.equal(await store().edgeAlive(id), false);
    await store().announceEdge(id, 'h:1');
    assert.equal(await store().edgeAlive(id), true);
    assert.ok((await store().listEdges()).some((e) => e.edgeId === id && e.address === 'h:1'));
    await store().withdrawEdge(id);
    assert.ok(!(await store().listEdges()).some((e) => e.edgeId === id));
    assert.equal(await store().edgeAlive(id), false);
  });

  it('keeps what an edge announced about itself: its device address and whether it drains', async () => {
    const id = `edge-${mac()}`;
    await store().announceEdge(id, 'h:1', 10_000, { client: 'h:8443' });
    assert.deepEqual((await store().listEdges()).find((e) => e.edgeId === id), { edgeId: id, address: 'h:1', client: 'h:8443' });
    await store().announceEdge(id, 'h:1', 10_000, { client: 'h:8443', draining: true });
    assert.deepEqual((await store().listEdges()).find((e) => e.edgeId === id), { edgeId: id, address: 'h:1', client: 'h:8443', draining: true });
    assert.equal(await store().edgeAlive(id), true, 'a draining edge still serves its devices');
    await store().withdrawEdge(id);
    assert.equal(await store().edgeAlive(id), false);
  });
}

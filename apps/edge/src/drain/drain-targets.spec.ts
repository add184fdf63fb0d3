import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTarget, drainTargets } from './drain-targets';

const edges = [
  { edgeId: 'edge-0', address: 'a:7000', client: 'a:8443' },
  { edgeId: 'edge-1', address: 'b:7000', client: 'b:8443' },
  { edgeId: 'edge-2', address: 'c:7000', client: 'c:8443' },
  { edgeId: 'edge-3', address: 'd:7000', client: 'd:8443', draining: true },
  { edgeId: 'edge-4', address: 'e:7000' },
];

describe('drain targets', () => {
  it('leave out edges behind the draining edge\'s own device address (one shared Service: a redirect there goes nowhere)', () => {
    const shared = edges.map((e) => ({ ...e, client: e.client ? 'svc:8443' : undefined }));
    assert.deepEqual(drainTargets({ edgeId: 'edge-0', client: 'svc:8443' }, shared, new Map()), []);
  });

  it('are the other live edges that are not draining and announce a device address', () => {
    const t = drainTargets({ edgeId: 'edge-0', client: 'a:8443' }, edges, new Map([['edge-1', 5]]));
    assert.deepEqual(t, [
      { edgeId: 'edge-1', client: 'b:8443', load: 5 },
      { edgeId: 'edge-2', client: 'c:8443', load: 0 },
    ]);
  });

  it('spread devices to the least-loaded edge of each device list, counting what was sent', () => {
    const t = drainTargets({ edgeId: 'edge-0', client: 'a:8443' }, edges, new Map([['edge-1', 2]]));
    const all = ['a:8443', 'b:8443', 'c:8443'];
    const picks = Array.from({ length: 6 }, () => chooseTarget(all, t)?.edgeId);
    // edge-2 catches up from 0 to 2 first, then they alternate (ties to the earlier in the list).
    assert.deepEqual(picks, ['edge-2', 'edge-2', 'edge-1', 'edge-2', 'edge-1', 'edge-2']);
    assert.deepEqual(t.map((x) => x.load), [4, 4]);
  });

  it('never pick an edge the device list does not name; none: null (the device is reconnected)', () => {
    const t = drainTargets({ edgeId: 'edge-0', client: 'a:8443' }, edges, new Map());
    assert.equal(chooseTarget(['a:8443', 'c:8443'], t)?.edgeId, 'edge-2');
    assert.equal(chooseTarget(['c:8443'], t)?.edgeId, 'edge-2');
    assert.equal(chooseTarget(['a:8443', 'x:1'], t), null);
    assert.equal(chooseTarget([], t), null);
    assert.deepEqual(t.map((x) => x.load), [0, 2]);
  });
});

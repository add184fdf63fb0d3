import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, systemClock } from '@tether/telemetry';
import { ClusterNode } from './cluster-node';
import { METRICS_TOPIC, REQUESTS_TOPIC } from './cluster-topics';
import { gather } from './gather';
import { MemoryClusterBus } from './memory-cluster-bus';

const quiet = new Logger({ sinks: [] });
const node = (bus: MemoryClusterBus, role: string, serverId = role) =>
  new ClusterNode({ bus, role, serverId, clock: systemClock, logger: quiet, heartbeatMs: 60_000, flushMs: 60_000 });

describe('gather: ask every live member, wait for all or the deadline', () => {
  it('returns as soon as every member of the roles asked has answered', async () => {
    const bus = new MemoryClusterBus();
    const g1 = node(bus, 'gateway', 'g1');
    const g2 = node(bus, 'gateway', 'g2');
    const edge = node(bus, 'edge');
    g1.respond(REQUESTS_TOPIC, () => ['a']);
    g2.respond(REQUESTS_TOPIC, async () => ['b', 'c']);
    edge.respond(REQUESTS_TOPIC, () => ['never asked']);
    await Promise.all([g1.start(), g2.start(), edge.start()]);
    const t0 = Date.now();
    const r = await gather<string[]>(bus, REQUESTS_TOPIC, { roles: ['gateway'], deadlineMs: 5000 });
    assert.ok(Date.now() - t0 < 1000, 'did not wait for the deadline');
    assert.deepEqual(r.replies.flatMap((x) => x.body).sort(), ['a', 'b', 'c']);
    assert.deepEqual(r.missing, []);
    await Promise.all([g1.stop(), g2.stop(), edge.stop()]);
    assert.equal(bus.subscriptions(), 0, 'nothing left subscribed');
  });

  it('leaves out a member that does not answer by the deadline, and one that answers an error', async () => {
    const bus = new MemoryClusterBus();
    const ok = node(bus, 'gateway', 'ok');
    const broken = node(bus, 'gateway', 'broken');
    ok.respond(REQUESTS_TOPIC, () => [1]);
    broken.respond(REQUESTS_TOPIC, () => {
      throw new Error('ledger exploded');
    });
    await Promise.all([ok.start(), broken.start()]);
    // A member that is announced but never answers (a hung process).
    await bus.announce({ id: 'silent', role: 'gateway' }, 60_000);
    const t0 = Date.now();
    const r = await gather<number[]>(bus, REQUESTS_TOPIC, { roles: ['gateway'], deadlineMs: 300 });
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 2000, `waited for the deadline (${took} ms)`);
    assert.deepEqual(r.replies.map((x) => x.member.id), [ok.member.id]);
    assert.deepEqual(
      r.missing.map((m) => [m.member.id, m.reason]).sort(),
      [[broken.member.id, 'ledger exploded'], ['silent', 'no answer in time']].sort(),
    );
    await Promise.all([ok.stop(), broken.stop()]);
    assert.equal(bus.subscriptions(), 0);
  });

  it('answers at once with nothing when no member is alive', async () => {
    const r = await gather(new MemoryClusterBus(), REQUESTS_TOPIC, { deadlineMs: 5000 });
    assert.deepEqual(r, { replies: [], missing: [] });
  });

  it('metrics: each member flushes its counter growth to the totals before answering its gauges', async () => {
    const bus = new MemoryClusterBus();
    const a = node(bus, 'gateway', 'a');
    const b = node(bus, 'edge', 'b');
    let requests = 0;
    a.countTotals(() => ({ total_proxy_requests: requests }));
    a.gauge(() => ({ current_proxy_requests: 2 }));
    b.countTotals(() => ({ total_clients: 3 }));
    b.gauge(() => ({ current_clients: 1 }));
    await Promise.all([a.start(), b.start()]);
    requests = 5;
    let r = await gather<Record<string, number>>(bus, METRICS_TOPIC, { deadlineMs: 2000 });
    assert.deepEqual(await bus.totals(), { total_proxy_requests: 5, total_clients: 3 });
    assert.deepEqual(Object.assign({}, ...r.replies.map((x) => x.body)), { current_proxy_requests: 2, current_clients: 1 });
    requests = 7;
    r = await gather(bus, METRICS_TOPIC, { deadlineMs: 2000 });
    assert.equal((await bus.totals()).total_proxy_requests, 7, 'only the growth is added');
    // A restarted member starts its counters at zero again: the totals keep what was flushed.
    await a.stop();
    const a2 = node(bus, 'gateway', 'a');
    let again = 0;
    a2.countTotals(() => ({ total_proxy_requests: again }));
    await a2.start();
    again = 1;
    await a2.stop();
    assert.equal((await bus.totals()).total_proxy_requests, 8, 'stop() flushes the last growth');
    await b.stop();
  });
});

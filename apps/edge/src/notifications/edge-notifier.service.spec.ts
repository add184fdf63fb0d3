import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '@tether/testing';
import { clientAddress } from './client-address';
import { EdgeNotifier } from './edge-notifier.service';
import { FakeNotificationPort, fakeSession, notifyDeps } from './edge-notifications.fixture';

const settle = () => new Promise((r) => setImmediate(r));

describe('edge notifier (queued notifications of an edge)', () => {
  it('queues server_up, client_connect with the device\'s IP (no port) and client_disconnect, in call order', async () => {
    const port = new FakeNotificationPort();
    const n = new EdgeNotifier(notifyDeps(port).deps);
    const { session } = fakeSession('2.00408c6e0007', '10.1.2.3:40001');
    n.serverUp();
    n.connected(session);
    n.disconnected(session);
    await settle();
    assert.deepEqual(port.queued, [
      { kind: 'server_up', stserverid: 'edge-7' },
      { kind: 'client_connect', stserverid: 'edge-7', mac: '00408c6e0007', count: 2, srcaddr: '10.1.2.3' },
      { kind: 'client_disconnect', stserverid: 'edge-7', mac: '00408c6e0007', count: 2 },
    ]);
  });

  it('at shutdown queues server_down after the disconnects already under way, then stops the port', async () => {
    const port = new FakeNotificationPort();
    const n = new EdgeNotifier(notifyDeps(port).deps);
    n.serverUp();
    n.disconnected(fakeSession('1.00408c6e0001').session);
    n.disconnected(fakeSession('1.00408c6e0002').session);
    await n.onApplicationShutdown();
    assert.deepEqual(
      port.queued.map((q) => `${q.kind} ${q.mac ?? q.stserverid}`),
      ['server_up edge-7', 'client_disconnect 00408c6e0001', 'client_disconnect 00408c6e0002', 'server_down edge-7'],
    );
    assert.equal(port.stopped, 1);
  });

  it('with Redis away (every enqueue waits) shutdown still ends, each step bounded, and says so', async () => {
    const port = new FakeNotificationPort();
    port.hang = new Promise(() => undefined);
    const clock = fakeClock();
    const { deps, lines } = notifyDeps(port, 'notify_timeout = 1', clock);
    const n = new EdgeNotifier(deps);
    n.serverUp();
    n.disconnected(fakeSession().session);
    let done = false;
    const shutdown = n.onApplicationShutdown().then(() => (done = true));
    for (let i = 0; i < 3; i++) {
      await settle();
      assert.equal(done, false);
      clock.tick(4000);
    }
    await shutdown;
    assert.deepEqual(
      lines.filter((l) => l.includes('took longer than 4000 ms')).map((l) => l.replace(/^.*shutdown: /, '')),
      [
        "queuing the devices' notifications took longer than 4000 ms; exiting without it",
        'queuing server_down took longer than 4000 ms; exiting without it',
        'stopping notifications took longer than 4000 ms; exiting without it',
      ],
    );
  });

  it('an edge that never listened sends no server_down', async () => {
    const port = new FakeNotificationPort();
    await new EdgeNotifier(notifyDeps(port).deps).onApplicationShutdown();
    assert.deepEqual(port.queued, []);
    assert.equal(port.stopped, 1);
  });

  it('a notification that cannot be queued is logged and counted as dropped; nothing throws', async () => {
    const port = new FakeNotificationPort();
    port.failEnqueue = true;
    const { deps, lines, counted } = notifyDeps(port);
    const n = new EdgeNotifier(deps);
    n.connected(fakeSession().session);
    await settle();
    await settle();
    assert.deepEqual(counted, [['client_connect', 'dropped']]);
    assert.ok(lines.some((l) => /\[warning\].*client_connect not queued: Redis unavailable/.test(l)), lines.join('\n'));
  });

  it('without notifications nothing is queued', async () => {
    const n = new EdgeNotifier(notifyDeps(undefined).deps);
    n.serverUp();
    n.connected(fakeSession().session);
    await n.onApplicationShutdown();
  });
});

describe('client_srcaddr', () => {
  it('is the device\'s IP without the port, IPv4-mapped addresses as plain IPv4', () => {
    assert.equal(clientAddress('10.22.33.44:5123'), '10.22.33.44');
    assert.equal(clientAddress('::ffff:10.22.33.44:5123'), '10.22.33.44');
    assert.equal(clientAddress('2001:db8::7:5123'), '2001:db8::7');
    assert.equal(clientAddress('[2001:db8::7]:5123'), '2001:db8::7');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNotificationQueue } from './memory.queue';
import { NotifySender } from './notify.sender';
import { Notification } from './notification.types';
import { fakeClock, Received, TestReceiver } from '@tether/testing';

const connect = (mac: string, count = 1): Notification => ({ kind: 'client_connect', stserverid: 'edge-1', mac, count, srcaddr: '10.0.0.9' });
const disconnect = (mac: string, count = 1): Notification => ({ kind: 'client_disconnect', stserverid: 'edge-1', mac, count });
const deliveryId = (r: Received) => r.headers['x-tether-delivery-id'] as string;
const action = (r: Received) => new URL(r.url, 'http://x').searchParams.get('action');
const clientId = (r: Received) => new URL(r.url, 'http://x').searchParams.get('client_id');
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('MemoryNotificationQueue (real HTTP receiver, manual clock)', () => {
  let rx: TestReceiver;
  let sender: NotifySender;
  before(async () => {
    rx = await TestReceiver.start();
    sender = new NotifySender({ timeoutMs: 1000 });
  });
  after(async () => {
    sender.close();
    await rx.close();
  });

  const setup = () => {
    rx.received.length = 0;
    const clock = fakeClock();
    const delivered: string[] = [];
    const q = new MemoryNotificationQueue({
      urls: [rx.url()],
      sender,
      clock,
      random: () => 1,
      retry: { baseMs: 50, maxDelayMs: 400, attempts: 5 },
      hooks: { delivered: (n, _u, _a, id) => delivered.push(`${n.kind}:${id}`) },
    });
    return { clock, q, delivered };
  };

  it('retries a receiver answering 500 twice, then 200: delivered once, the same delivery id every time, after backoff', async () => {
    const { clock, q, delivered } = setup();
    let calls = 0;
    rx.reply = () => ({ status: ++calls <= 2 ? 500 : 200 });
    await q.enqueue(connect('00408c000001'));
    await rx.waitFor(1);
    await settle();
    assert.equal(rx.received.length, 1, 'no retry before the backoff passes');
    clock.tick(49);
    await settle();
    assert.equal(rx.received.length, 1, 'first retry waits 50 ms');
    clock.tick(1);
    await rx.waitFor(2);
    await settle();
    clock.tick(99);
    await settle();
    assert.equal(rx.received.length, 2, 'second retry waits 100 ms');
    clock.tick(1);
    await rx.waitFor(3);
    await settle();
    assert.equal(new Set(rx.received.map(deliveryId)).size, 1);
    assert.match(deliveryId(rx.received[0]), /^[0-9a-f]{24}$/);
    assert.deepEqual(delivered, [`client_connect:${deliveryId(rx.received[0])}`]);
    assert.equal(q.pending, 0);
    clock.tick(10_000);
    await settle();
    assert.equal(rx.received.length, 3, 'nothing sent after delivery');
    await q.close();
  });

  it("keeps a device's order while retrying (a disconnect never overtakes its connect); other devices go on", async () => {
    const { clock, q } = setup();
    rx.reply = (r) => ({ status: clientId(r) === '1.00408C00000A' && action(r) === 'client_connect' && rx.received.filter((x) => clientId(x) === '1.00408C00000A').length <= 2 ? 503 : 200 });
    await q.enqueue(connect('00408c00000a'));
    await q.enqueue(disconnect('00408c00000a'));
    await q.enqueue(connect('00408c00000b'));
    await q.enqueue(disconnect('00408c00000b'));
    await rx.waitFor(3);
    await settle();
    const seen = () => rx.received.map((r) => `${action(r)} ${clientId(r)}`);
    assert.deepEqual(
      seen().filter((s) => s.endsWith('B')),
      ['client_connect 1.00408C00000B', 'client_disconnect 1.00408C00000B'],
      'device B is not held up by device A',
    );
    assert.deepEqual(seen().filter((s) => s.endsWith('A')), ['client_connect 1.00408C00000A'], 'A disconnect waits');
    clock.tick(50);
    await rx.waitFor(4);
    await settle();
    clock.tick(100);
    await rx.waitFor(6);
    await settle();
    assert.deepEqual(seen().filter((s) => s.endsWith('A')), [
      'client_connect 1.00408C00000A',
      'client_connect 1.00408C00000A',
      'client_connect 1.00408C00000A',
      'client_disconnect 1.00408C00000A',
    ]);
    await q.close();
  });

  it('gives up after the configured attempts and on a refusal (4xx), then sends the next one', async () => {
    const { clock, q } = setup();
    const gaveUp: string[] = [];
    const retrying: string[] = [];
    const q2 = new MemoryNotificationQueue({
      urls: [rx.url()],
      sender,
      clock,
      random: () => 0,
      retry: { baseMs: 10, maxDelayMs: 10, attempts: 2 },
      hooks: { gaveUp: (n, _u, reason) => gaveUp.push(`${n.kind} ${reason}`), retrying: (n, _u, reason) => retrying.push(`${n.kind} ${reason}`) },
    });
    rx.reply = (r) => ({ status: action(r) === 'client_connect' ? 500 : 404 });
    await q2.enqueue(connect('00408c0000c1'));
    await q2.enqueue(disconnect('00408c0000c1'));
    await rx.waitFor(1);
    await settle();
    clock.tick(5);
    await rx.waitFor(3);
    await settle();
    assert.deepEqual(gaveUp, ['client_connect answered 500', 'client_disconnect answered 404']);
    assert.deepEqual(retrying, ['client_connect answered 500'], 'the first of two attempts is retried; a refusal is not');
    assert.equal(q2.pending, 0);
    await q2.close();
    await q.close();
  });

  it('refuses client_hello (a decision, not a queued notification) and bad notifications', async () => {
    const { q } = setup();
    await assert.rejects(q.enqueue({ kind: 'client_hello', stserverid: 'e', mac: '00408c000001', count: 1 }), /client_hello is not delivered through a queue/);
    await assert.rejects(q.enqueue(connect('zz')), /"zz" is not a MAC address/);
    await q.close();
    await assert.rejects(q.enqueue(connect('00408c000001')), /closed/);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisFixture, Received, TestReceiver } from '@tether/testing';
import { BullmqNotificationQueue, BullmqQueueOptions } from './bullmq.queue';
import { NotifySender } from './notify.sender';
import { Notification } from './notification.types';

const connect = (mac: string, count = 1): Notification => ({ kind: 'client_connect', stserverid: 'edge-1', mac, count, srcaddr: '10.0.0.9' });
const disconnect = (mac: string, count = 1): Notification => ({ kind: 'client_disconnect', stserverid: 'edge-1', mac, count });
const deliveryId = (r: Received) => r.headers['x-tether-delivery-id'] as string;
const line = (r: Received) => {
  const p = new URL(r.url, 'http://x').searchParams;
  return `${p.get('action')} ${p.get('client_id')}`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BullmqNotificationQueue (real redis-server, real HTTP receiver)', () => {
  let redis: RedisFixture;
  let rx: TestReceiver;
  let sender: NotifySender;
  let n = 0;
  before(async () => {
    redis = await RedisFixture.start();
    rx = await TestReceiver.start();
    sender = new NotifySender({ timeoutMs: 1000 });
  });
  const opened: BullmqNotificationQueue[] = [];
  after(async () => {
    await Promise.allSettled(opened.map((q) => q.close())); // also those of a failed test
    sender.close();
    await rx.close();
    await redis.stop();
  });

  // Each test has its own queue name, so no job of one test reaches another.
  const open = async (extra: Partial<BullmqQueueOptions> = {}) => {
    const q = new BullmqNotificationQueue({
      redisUrl: redis.url,
      urls: [rx.url()],
      sender,
      queueName: `t${n}`,
      retry: { baseMs: 50, maxDelayMs: 200, attempts: 50 },
      orderPollMs: 20,
      ...extra,
    });
    opened.push(q);
    await q.ready();
    return q;
  };
  const fresh = () => {
    n++;
    rx.received.length = 0;
    rx.reply = () => ({ status: 200 });
  };
  /** Delivered = answered 200; dedupe by delivery id as a receiver would. */
  const deliveredLines = (answered: Map<string, string>) => [...answered.values()];

  it('delivers with the headers of section 6 and a delivery id', async () => {
    fresh();
    const q = await open();
    await q.enqueue({ kind: 'server_up', stserverid: 'control-1' });
    const [r] = await rx.waitFor(1);
    assert.equal(r.method, 'PUT');
    assert.equal(r.url, '/notify?action=server_up');
    assert.equal(r.headers['x-stserver-id'], 'control-1');
    assert.match(deliveryId(r), /^[0-9a-f]{24}$/);
    await q.close();
  });

  it('retries while the receiver is down, then delivers each notification exactly once by delivery id', async () => {
    fresh();
    const answered = new Map<string, string>();
    let down = true;
    let oks = 0;
    rx.reply = (r) => {
      if (down) return { status: 503 };
      oks++;
      answered.set(deliveryId(r), line(r));
      return { status: 200 };
    };
    const q = await open();
    const macs = ['00408c0000d1', '00408c0000d2', '00408c0000d3'];
    for (const m of macs) await q.enqueue(connect(m));
    await rx.waitFor(6, 5000); // each tried and retried at least once
    down = false;
    const until = Date.now() + 8000;
    while (answered.size < 3 && Date.now() < until) await sleep(20);
    await sleep(300);
    assert.deepEqual(deliveredLines(answered).sort(), macs.map((m) => `client_connect 1.${m.toUpperCase()}`));
    const ids = new Set(rx.received.map(deliveryId));
    assert.equal(ids.size, 3, 'retries carry the same delivery id');
    assert.equal(oks, 3, 'each notification answered 200 exactly once');
    await q.close();
  });

  it("keeps a device's order while its connect is retried: the disconnect waits, other devices do not", async () => {
    fresh();
    let failConnect = 3;
    rx.reply = (r) => (line(r) === 'client_connect 1.00408C0000E1' && failConnect-- > 0 ? { status: 500 } : { status: 200 });
    const q = await open();
    await q.enqueue(connect('00408c0000e1'));
    await q.enqueue(disconnect('00408c0000e1'));
    await q.enqueue(connect('00408c0000e2'));
    await q.enqueue(disconnect('00408c0000e2'));
    await rx.waitFor(7, 8000); // E1: connect 3 x 500 + 1 x 200, disconnect; E2: connect, disconnect
    await sleep(200);
    const lines = rx.received.map(line);
    const e1 = lines.filter((l) => l.includes('E1'));
    assert.deepEqual(e1, ['client_connect 1.00408C0000E1', 'client_connect 1.00408C0000E1', 'client_connect 1.00408C0000E1', 'client_connect 1.00408C0000E1', 'client_disconnect 1.00408C0000E1']);
    assert.deepEqual(lines.filter((l) => l.includes('E2')), ['client_connect 1.00408C0000E2', 'client_disconnect 1.00408C0000E2']);
    assert.ok(lines.indexOf('client_disconnect 1.00408C0000E2') < lines.lastIndexOf('client_connect 1.00408C0000E1'), 'E2 went on while E1 was retried');
    await q.close();
  });

  it('loses nothing when the worker stops with a backlog: a new process delivers everything, in order per device', async () => {
    fresh();
    let down = true;
    let oks = 0;
    const answered = new Map<string, string>();
    rx.reply = (r) => {
      if (down) return { status: 503 };
      oks++;
      answered.set(deliveryId(r), line(r));
      return { status: 200 };
    };
    const first = await open();
    const macs = ['00408c0000f1', '00408c0000f2'];
    for (const m of macs) {
      await first.enqueue(connect(m));
      await first.enqueue(disconnect(m));
      await first.enqueue(connect(m, 2));
    }
    await rx.waitFor(2, 5000);
    await first.close(); // "control restarts" with six notifications undelivered
    const tried = rx.received.length;
    down = false;
    await sleep(200);
    assert.equal(rx.received.length, tried, 'nothing delivered while no worker runs');
    const second = await open();
    const until = Date.now() + 8000;
    while (answered.size < 6 && Date.now() < until) await sleep(20);
    await sleep(300);
    const lines = deliveredLines(answered);
    assert.equal(lines.length, 6);
    assert.equal(oks, 6, 'each notification answered 200 exactly once');
    for (const m of macs) {
      const M = m.toUpperCase();
      assert.deepEqual(lines.filter((l) => l.endsWith(M)), [`client_connect 1.${M}`, `client_disconnect 1.${M}`, `client_connect 2.${M}`]);
    }
    await second.close();
  });

  it('an enqueue-only process queues; a worker elsewhere delivers', async () => {
    fresh();
    const producer = await open({ worker: false });
    await producer.enqueue({ kind: 'server_down', stserverid: 'control-1' });
    await sleep(200);
    assert.equal(rx.received.length, 0);
    const worker = await open();
    const [r] = await rx.waitFor(1);
    assert.equal(r.method, 'DELETE');
    assert.equal(r.url, '/notify?action=server_down');
    await producer.close();
    await worker.close();
  });
});

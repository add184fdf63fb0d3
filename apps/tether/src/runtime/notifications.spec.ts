import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '@tether/config';
import { LOG_LEVELS, Logger } from '@tether/telemetry';
import { TestReceiver } from '@tether/testing';
import { makeNotifications } from './notifications';

const quiet = new Logger({ level: LOG_LEVELS.nothing });
const action = (url: string) => new URL(url, 'http://x').searchParams.get('action');

describe('makeNotifications without redis_url (the all-in-one: one in-memory queue)', () => {
  let rx: TestReceiver;
  before(async () => {
    rx = await TestReceiver.start();
  });
  after(() => rx.close());
  const config = (extra = '') => parseConfig(`stserverid = one\nnotify_urls = ${rx.url()}\nnotify_timeout = 1\n${extra}`, 'tether.conf', { env: {} });

  it('the edge\'s queue is what control\'s hooks hear; stop lets server_down reach the receiver before it returns', async () => {
    rx.received.length = 0;
    rx.reply = () => ({ status: 200 });
    const n = makeNotifications(config(), quiet);
    const heard: string[] = [];
    await n.control.start({ delivered: (x, _u, a) => heard.push(`${x.kind} ${a.status}`) });
    await n.edge.enqueue({ kind: 'server_up', stserverid: 'one' });
    await n.edge.enqueue({ kind: 'server_down', stserverid: 'one' });
    await n.edge.stop();
    assert.deepEqual(rx.received.map((r) => action(r.url)), ['server_up', 'server_down']);
    assert.deepEqual(heard, ['server_up 200', 'server_down 200']);
  });

  it('stop gives a receiver that is down a bounded time (notify_timeout and a margin), then returns', async () => {
    const gone = await TestReceiver.start();
    await gone.close();
    const n = makeNotifications(parseConfig(`notify_urls = ${gone.url()}\nnotify_timeout = 1\nnotify_retry_base_ms = 50`, 'tether.conf', { env: {} }), quiet);
    await n.edge.enqueue({ kind: 'server_down', stserverid: 'one' });
    const t0 = Date.now();
    await n.edge.stop();
    const took = Date.now() - t0;
    assert.ok(took >= 1500 && took < 4000, `stop took ${took} ms`);
  });

  it('client_hello follows force_accept_clients as the edge passes it', async () => {
    const gone = await TestReceiver.start();
    await gone.close();
    const n = makeNotifications(parseConfig(`notify_urls = ${gone.url()}\nnotify_timeout = 1`, 'tether.conf', { env: {} }), quiet);
    const req = { stserverid: 'one', mac: '00408c123456', count: 1, deviceServers: [] };
    assert.equal((await n.edge.hello(req, false)).action, 'retry-later');
    assert.deepEqual(await n.edge.hello(req, true), { action: 'accept', forced: true });
    await n.edge.stop();
  });

  it('without notify_urls every device is accepted and nothing is sent', async () => {
    const n = makeNotifications(parseConfig('', 'tether.conf', { env: {} }), quiet);
    assert.deepEqual(await n.edge.hello({ stserverid: 'one', mac: '00408c123456', count: 1 }, false), { action: 'accept' });
    await n.edge.enqueue({ kind: 'server_up', stserverid: 'one' });
    await n.edge.stop();
  });

  it('refuses an unreadable notification_ca at start, naming the key and the file', () => {
    assert.throws(
      () => makeNotifications(parseConfig('notification_ca = /nonexistent/ca.pem', 'tether.conf', { env: {} }), quiet),
      /^Error: notification_ca: cannot read \/nonexistent\/ca\.pem: ENOENT/,
    );
  });
});

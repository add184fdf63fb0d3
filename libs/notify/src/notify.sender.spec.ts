import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestPki, TestReceiver } from '@tether/testing';
import { NotifySender, NotifyUnreachableError } from './notify.sender';
import { Notification } from './notification.types';

const s = 'my_o3c_server';
const mac = '00408c123456';

describe('NotifySender against a local HTTP receiver', () => {
  let rx: TestReceiver;
  let sender: NotifySender;
  before(async () => {
    rx = await TestReceiver.start();
    sender = new NotifySender({ timeoutMs: 500 });
  });
  after(async () => {
    sender.close();
    await rx.close();
  });

  it('sends every kind with the method, query and headers of section 6 over one kept-alive connection', async () => {
    const cases: [Notification, string, string][] = [
      [{ kind: 'server_up', stserverid: s }, 'PUT', '/notify?action=server_up'],
      [{ kind: 'server_down', stserverid: s }, 'DELETE', '/notify?action=server_down'],
      [{ kind: 'client_hello', stserverid: s, mac, count: 1 }, 'HEAD', '/notify?action=client_hello&client_id=1.00408C123456'],
      [{ kind: 'client_connect', stserverid: s, mac, count: 1, srcaddr: '10.22.33.44' }, 'PUT', '/notify?action=client_connect&client_id=1.00408C123456&client_srcaddr=10.22.33.44'],
      [{ kind: 'client_disconnect', stserverid: s, mac, count: 1 }, 'DELETE', '/notify?action=client_disconnect&client_id=1.00408C123456'],
    ];
    rx.received.length = 0;
    for (const [n] of cases) assert.equal((await sender.send(rx.url(), n, n.kind === 'client_hello' ? undefined : `d-${n.kind}`)).status, 200);
    for (const [i, [n, method, url]] of cases.entries()) {
      const got = rx.received[i];
      assert.equal(got.method, method, n.kind);
      assert.equal(got.url, url, n.kind);
      assert.equal(got.headers['x-stserver-id'], s, n.kind);
      assert.equal(got.headers['host'], `127.0.0.1:${rx.port}`, n.kind);
      assert.ok(got.rawHeaders.includes('Connection') && got.rawHeaders.includes('Keep-Alive'), `${n.kind}: Connection: Keep-Alive`);
      assert.equal(got.headers['x-tether-delivery-id'], n.kind === 'client_hello' ? undefined : `d-${n.kind}`, n.kind);
    }
    assert.equal(new Set(rx.received.map((r) => r.remotePort)).size, 1, 'one connection, reused: ' + rx.received.map((r) => r.method + r.remotePort).join());
  });

  it('returns the status and Location of a redirect', async () => {
    rx.reply = () => ({ status: 302, location: '10.21.31.41:8080' });
    const a = await sender.send(rx.url(), { kind: 'client_connect', stserverid: s, mac, count: 1, srcaddr: '1.2.3.4' });
    assert.deepEqual(a, { status: 302, location: '10.21.31.41:8080' });
    rx.reply = () => ({ status: 200 });
  });

  it('gives up on a receiver that does not answer in time, and on one that is not there', async () => {
    rx.reply = () => ({ hang: true, status: 0 });
    const t0 = Date.now();
    await assert.rejects(sender.send(rx.url(), { kind: 'server_up', stserverid: s }), (e: Error) => e instanceof NotifyUnreachableError && /no answer within 500 ms/.test(e.message));
    assert.ok(Date.now() - t0 < 2000);
    rx.reply = () => ({ status: 200 });
    const gone = await TestReceiver.start();
    const url = gone.url();
    await gone.close();
    await assert.rejects(sender.send(url, { kind: 'server_up', stserverid: s }), /did not answer: .*ECONNREFUSED/);
  });
});

describe('NotifySender against an HTTPS receiver (notification_ca)', () => {
  let pki: TestPki;
  let other: TestPki;
  let rx: TestReceiver;
  before(async () => {
    pki = await TestPki.create();
    other = await TestPki.create();
    rx = await TestReceiver.start({ pem: pki.read(pki.serverPem) });
  });
  after(async () => {
    await rx.close();
    pki.remove();
    other.remove();
  });

  it('delivers when the receiver chains to notification_ca', async () => {
    const sender = new NotifySender({ ca: pki.read(pki.providerCa), timeoutMs: 2000 });
    const a = await sender.send(rx.url('https'), { kind: 'server_up', stserverid: s });
    assert.equal(a.status, 200);
    assert.equal(rx.received.at(-1)?.url, '/notify?action=server_up');
    sender.close();
  });

  it('refuses a receiver whose certificate another CA signed', async () => {
    const before = rx.received.length;
    const sender = new NotifySender({ ca: other.read(other.providerCa), timeoutMs: 2000 });
    await assert.rejects(sender.send(rx.url('https'), { kind: 'server_up', stserverid: s }), (e: Error) => e instanceof NotifyUnreachableError && /certificate/i.test(e.message));
    assert.equal(rx.received.length, before, 'nothing reached the receiver');
    sender.close();
  });
});

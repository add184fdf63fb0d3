import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideClientHello } from './client-hello.decision';
import { NotifySender } from './notify.sender';
import { TestReceiver } from '@tether/testing';

const hello = { stserverid: 'edge-1', mac: '00408c123456', count: 3 };

describe('client hello decision (real HTTP receivers)', () => {
  let a: TestReceiver;
  let b: TestReceiver;
  let downUrl: string;
  let sender: NotifySender;
  before(async () => {
    a = await TestReceiver.start();
    b = await TestReceiver.start();
    const gone = await TestReceiver.start();
    downUrl = gone.url();
    await gone.close();
    sender = new NotifySender({ timeoutMs: 300 });
  });
  after(async () => {
    sender.close();
    await a.close();
    await b.close();
  });
  const answer = (r: TestReceiver, status: number, location?: string) => (r.reply = () => ({ status, location }));

  it('204 accepts, after a HEAD ?action=client_hello with the client id', async () => {
    answer(a, 204);
    assert.deepEqual(await decideClientHello(sender, { urls: [a.url()] }, hello), { action: 'accept' });
    const got = a.received.at(-1);
    assert.equal(got?.method, 'HEAD');
    assert.equal(got?.url, '/notify?action=client_hello&client_id=3.00408C123456');
    assert.equal(got?.headers['x-stserver-id'], 'edge-1');
  });

  it('302 with Location host:port redirects; obeyed only when that server is in the device list', async () => {
    answer(a, 302, '10.21.31.41:8080');
    assert.deepEqual(await decideClientHello(sender, { urls: [a.url()] }, hello), { action: 'redirect', server: '10.21.31.41:8080' });
    assert.deepEqual(await decideClientHello(sender, { urls: [a.url()] }, { ...hello, deviceServers: ['10.21.31.41:8080'] }), {
      action: 'redirect',
      server: '10.21.31.41:8080',
    });
    const d = await decideClientHello(sender, { urls: [a.url()] }, { ...hello, deviceServers: ['o3c.example:443'] });
    assert.equal(d.action, 'retry-later');
    assert.match((d as { reason: string }).reason, /10\.21\.31\.41:8080, which is not in the device's server list/);
  });

  it('a 302 whose Location is not host:port, and any other answer, make the device retry later', async () => {
    answer(a, 302, 'http://elsewhere/');
    assert.match(JSON.stringify(await decideClientHello(sender, { urls: [a.url()] }, hello)), /retry-later.*not host:port/);
    for (const status of [200, 403, 500]) {
      answer(a, status);
      const d = await decideClientHello(sender, { urls: [a.url()], forceAccept: true }, hello);
      assert.deepEqual(d, { action: 'retry-later', reason: `${a.url()} answered ${status}` }, `${status} (forceAccept does not override a refusal)`);
    }
  });

  it('no answer in time, or no receiver: retry later; force_accept_clients accepts instead', async () => {
    a.reply = () => ({ status: 0, hang: true });
    const t0 = Date.now();
    assert.match(JSON.stringify(await decideClientHello(sender, { urls: [a.url()] }, hello)), /retry-later.*no answer within 300 ms/);
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(await decideClientHello(sender, { urls: [a.url()], forceAccept: true }, hello), { action: 'accept', forced: true });
    assert.match(JSON.stringify(await decideClientHello(sender, { urls: [downUrl] }, hello)), /retry-later.*ECONNREFUSED/);
    assert.deepEqual(await decideClientHello(sender, { urls: [downUrl], forceAccept: true }, hello), { action: 'accept', forced: true });
  });

  it('several receivers: every one is asked; a refusal wins, then the first redirect, then accept', async () => {
    const urls = [a.url(), b.url()];
    const na = a.received.length;
    const nb = b.received.length;
    answer(a, 204);
    answer(b, 204);
    assert.deepEqual(await decideClientHello(sender, { urls }, hello), { action: 'accept' });
    assert.equal(a.received.length - na, 1);
    assert.equal(b.received.length - nb, 1);
    answer(b, 302, '10.0.0.2:443');
    assert.deepEqual(await decideClientHello(sender, { urls }, hello), { action: 'redirect', server: '10.0.0.2:443' });
    answer(a, 302, '10.0.0.1:443');
    assert.deepEqual(await decideClientHello(sender, { urls }, hello), { action: 'redirect', server: '10.0.0.1:443' });
    answer(b, 500);
    assert.equal((await decideClientHello(sender, { urls }, hello)).action, 'retry-later');
    answer(a, 204);
    answer(b, 204);
    assert.equal((await decideClientHello(sender, { urls: [a.url(), downUrl] }, hello)).action, 'retry-later');
    assert.deepEqual(await decideClientHello(sender, { urls: [a.url(), downUrl], forceAccept: true }, hello), { action: 'accept', forced: true });
  });

  it('no notify_urls: accept without asking anyone', async () => {
    assert.deepEqual(await decideClientHello(sender, { urls: [] }, hello), { action: 'accept' });
  });
});

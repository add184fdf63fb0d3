import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientHelloGate } from './client-hello.gate';
import { FakeNotificationPort, fakeSession, notifyDeps } from './edge-notifications.fixture';

describe('client_hello gate (edge, before the presence claim)', () => {
  it('asks with the device\'s count, MAC and server list; 204 from every receiver admits it', async () => {
    const port = new FakeNotificationPort();
    const { deps, counted } = notifyDeps(port);
    const { s, session } = fakeSession();
    assert.equal(await new ClientHelloGate(deps).admit(session), true);
    assert.deepEqual(port.hellos, [{ req: { stserverid: 'edge-7', mac: '00408c6e0007', count: 3, deviceServers: ['a:8443', 'b:8443'] }, forceAccept: false }]);
    assert.equal(s.isClosed, false);
    assert.deepEqual(counted, [['client_hello', 'ok']]);
  });

  it('a redirect is sent to the device as the redirect command, then the connection is closed', async () => {
    const port = new FakeNotificationPort();
    port.decide = async () => ({ action: 'redirect', server: 'b:8443' });
    const { deps, lines } = notifyDeps(port);
    const { s, session } = fakeSession();
    assert.equal(await new ClientHelloGate(deps).admit(session), false);
    assert.deepEqual(s.commands, [{ type: 'redirect', server: 'b:8443' }]);
    assert.equal(s.closedWith, 'redirected to b:8443 by client_hello');
    assert.ok(lines.some((l) => l.includes('client_hello: redirected to b:8443')));
  });

  it('retry-later closes the device with the reason in the log, and it is counted as failed', async () => {
    const port = new FakeNotificationPort();
    port.decide = async () => ({ action: 'retry-later', reason: 'http://rx/ answered 500' });
    const { deps, lines, counted } = notifyDeps(port);
    const { s, session } = fakeSession();
    assert.equal(await new ClientHelloGate(deps).admit(session), false);
    assert.equal(s.closedWith, 'not accepted by client_hello');
    assert.deepEqual(s.commands, []);
    assert.ok(lines.some((l) => /\[warning\].*reconnect later: http:\/\/rx\/ answered 500/.test(l)), lines.join('\n'));
    assert.deepEqual(counted, [['client_hello', 'failed']]);
  });

  it('reads force_accept_clients live: a reload changes the next decision', async () => {
    const port = new FakeNotificationPort();
    port.decide = async (_req, force) => (force ? { action: 'accept', forced: true } : { action: 'retry-later', reason: 'no answer' });
    const { deps, lines } = notifyDeps(port);
    const gate = new ClientHelloGate(deps);
    assert.equal(await gate.admit(fakeSession().session), false);
    deps.live.apply({ ...deps.config, force_accept_clients: true });
    assert.equal(await gate.admit(fakeSession().session), true);
    assert.deepEqual(port.hellos.map((h) => h.forceAccept), [false, true]);
    assert.ok(lines.some((l) => l.includes('accepted (force_accept_clients)')));
  });

  it('a port that throws refuses the device (or accepts it with force_accept_clients) instead of failing the connection', async () => {
    const port = new FakeNotificationPort();
    port.decide = async () => {
      throw new Error('boom');
    };
    const { deps } = notifyDeps(port);
    const refused = fakeSession();
    assert.equal(await new ClientHelloGate(deps).admit(refused.session), false);
    assert.equal(refused.s.closedWith, 'not accepted by client_hello');
    const forced = notifyDeps(port, 'force_accept_clients = 1');
    assert.equal(await new ClientHelloGate(forced.deps).admit(fakeSession().session), true);
  });

  it('a device that left while the receivers decided is not admitted', async () => {
    const port = new FakeNotificationPort();
    const { s, session } = fakeSession();
    port.decide = async () => {
      s.close('connection closed');
      return { action: 'accept' };
    };
    assert.equal(await new ClientHelloGate(notifyDeps(port).deps).admit(session), false);
  });

  it('without receivers (notify_urls empty) a device is admitted, nothing is asked and no delivery is counted', async () => {
    const port = new FakeNotificationPort();
    const { deps, counted } = notifyDeps(port, 'notify_urls =');
    assert.equal(await new ClientHelloGate(deps).admit(fakeSession().session), true);
    assert.equal(port.hellos.length, 0);
    assert.deepEqual(counted, []);
  });

  it('without notifications every device is admitted and nothing is asked', async () => {
    assert.equal(await new ClientHelloGate(notifyDeps(undefined).deps).admit(fakeSession().session), true);
  });
});

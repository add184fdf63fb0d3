import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TestPki } from '@tether/testing';
import { ServiceFixture, serviceFixture } from '../testing/dispatcher.fixture';
import { DispatchError } from './dispatch.error';

const MAC = '00408ca03af0';
const OAK = '5A8A-26D0-52AC';

describe('DispatchService: register and unregister (reference 4.2, 4.3)', () => {
  let pki: TestPki;
  let f: ServiceFixture;
  const register = (extra: Record<string, unknown> = {}) =>
    f.service.register({ user: 'acme', pass: 'secret', mac: '00408CA03AF0', oak: OAK, server: 'edge.example:8443', caPem: f.caPem, ...extra });
  const refused = async (p: Promise<unknown>, status: number, message: string | RegExp) => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof DispatchError, String(err));
      assert.equal(err.status, status);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  };
  /** The device connected in factory state with its OAK and waits. */
  const arrive = (mac = MAC, oak = OAK, serial = 'abc123') => {
    f.connected.add(mac);
    return f.service.arrived({ mac, oak, serial });
  };

  before(async () => {
    pki = await TestPki.create();
  });
  after(() => pki.remove());
  beforeEach(async () => {
    f = await serviceFixture(pki);
  });

  it('registers a waiting device: it is told the account servers and the provider CA at once, and the state file keeps it', async () => {
    arrive();
    const r = await register({ server: 'a.example:8443, b.example:8443' });
    assert.deepEqual(r, { mac: MAC, account: 'acme', servers: ['a.example:8443', 'b.example:8443'], provisioned: true, devices: [MAC], serversChanged: true });
    assert.deepEqual(f.told.get(MAC), [{ servers: ['a.example:8443', 'b.example:8443'], caPem: f.caPem }]);
    const saved = JSON.parse(readFileSync(f.statePath, 'utf8'));
    assert.equal(saved.devices[MAC].account, 'acme');
    assert.deepEqual(saved.accounts.acme.servers, ['a.example:8443', 'b.example:8443']);
  });

  it('compares the OAK without case or dashes', async () => {
    arrive(MAC, '5a8a26d052ac');
    assert.equal((await register()).provisioned, true);
  });

  it('a device registered while offline is provisioned when it next connects', async () => {
    f.service.arrived({ mac: MAC, oak: OAK, serial: 'abc123' }); // seen once, then gone
    const r = await register();
    assert.equal(r.provisioned, false);
    assert.deepEqual(arrive(), { servers: ['edge.example:8443'], caPem: f.caPem });
  });

  it('refuses a MAC the dispatcher has never seen (404), changing nothing', async () => {
    await refused(register(), 404, 'Unknown MAC 00408CA03AF0: the device has never connected to this dispatcher');
    assert.deepEqual(f.state.state.accounts, {});
  });

  it('refuses a wrong OAK (403) and leaves the device unregistered', async () => {
    arrive();
    await refused(register({ oak: '0000-0000-0000' }), 403, 'Wrong OAK for 00408CA03AF0');
    assert.equal(f.state.state.devices[MAC].account, undefined);
    assert.equal(f.told.size, 0);
  });

  it('refuses a device that sent no OAK as a wrong OAK', async () => {
    arrive(MAC, '');
    await refused(register(), 403, 'Wrong OAK for 00408CA03AF0');
  });

  it('refuses bad credentials (401) before looking at the device', async () => {
    await refused(register({ pass: 'nope' }), 401, 'Invalid user or password');
    await refused(register({ user: 'nobody' }), 401, 'Invalid user or password');
  });

  it('refuses a device registered to another account (403), even with the right OAK', async () => {
    arrive();
    await register();
    await refused(register({ user: 'other', pass: 'other-pass' }), 403, 'Device 00408CA03AF0 is registered to another account');
    assert.equal(f.state.state.devices[MAC].account, 'acme');
  });

  for (const name of ['user', 'pass', 'mac', 'oak']) {
    it(`refuses a request without ${name} (400)`, async () => {
      await refused(register({ [name]: '' }), 400, `Missing argument ${name}`);
    });
  }

  it('refuses a malformed MAC, server entry or provider CA (400) with the reason', async () => {
    await refused(register({ mac: '00408CA03AF' }), 400, /^Invalid mac "00408CA03AF": expected a MAC address/);
    await refused(register({ server: 'a.example:8443,nope' }), 400, 'Invalid server "nope": expected <address:port> such as example.com:8443');
    await refused(register({ caPem: 'not a pem' }), 400, 'Invalid provider CA: not a PEM certificate');
    const leaf = pki.read(pki.serverPem);
    await refused(register({ caPem: leaf }), 400, 'Invalid provider CA: the certificate is not a CA (basicConstraints CA:FALSE)');
  });

  it('an empty server keeps the account list; with no list yet it is refused', async () => {
    arrive();
    await refused(register({ server: '' }), 400, 'Account acme has no server list yet: give server');
    await register({ server: 'a.example:8443' });
    const r = await register({ server: '' });
    assert.deepEqual(r.servers, ['a.example:8443']);
    assert.equal(r.serversChanged, false);
  });

  it('a new server list reaches every waiting device of the account, not those of other accounts', async () => {
    const second = '00408ca03af1';
    const foreign = '00408ca03af2';
    arrive();
    f.service.arrived({ mac: second, oak: '1111-2222-3333', serial: 'def' });
    await register({ server: 'a.example:8443' });
    await register({ mac: second, oak: '1111-2222-3333', server: '' }); // offline: registered, not told
    arrive(foreign, '4444-5555-6666');
    await register({ user: 'other', pass: 'other-pass', mac: foreign, oak: '4444-5555-6666', server: 'o.example:1' });
    f.connected.add(second);
    const r = await register({ server: 'b.example:8443' });
    assert.deepEqual(r.devices.sort(), [MAC, second]);
    assert.equal(r.serversChanged, true);
    assert.deepEqual(f.told.get(second), [{ servers: ['b.example:8443'], caPem: f.caPem }]);
    assert.deepEqual(f.told.get(MAC)?.at(-1)?.servers, ['b.example:8443']);
    assert.deepEqual(f.told.get(foreign), [{ servers: ['o.example:1'], caPem: f.caPem }]);
  });

  it('unregister drops the device from the account, revokes its serial and republishes', async () => {
    arrive();
    await register();
    const r = await f.service.unregister({ user: 'acme', pass: 'secret', mac: MAC });
    assert.deepEqual(r, { mac: MAC, account: 'acme', revokedSerial: 'abc123' });
    assert.equal(f.state.state.devices[MAC].account, undefined);
    assert.deepEqual(f.state.state.revoked, [{ serial: 'abc123', mac: MAC, revokedAt: f.clock.now() }]);
    assert.equal(f.revocations, 1);
    assert.equal(arrive(), null, 'back at the dispatcher it is told nothing');
  });

  it('unregister refuses unknown devices (404), devices of other accounts or none (403) and bad credentials (401)', async () => {
    await refused(f.service.unregister({ user: 'acme', pass: 'secret', mac: MAC }), 404, /^Unknown MAC 00408CA03AF0/);
    arrive();
    await refused(f.service.unregister({ user: 'acme', pass: 'secret', mac: MAC }), 403, 'Device 00408CA03AF0 is not registered to account acme');
    await register();
    await refused(f.service.unregister({ user: 'other', pass: 'other-pass', mac: MAC }), 403, 'Device 00408CA03AF0 is not registered to account other');
    await refused(f.service.unregister({ user: 'acme', pass: 'x', mac: MAC }), 401, 'Invalid user or password');
    await refused(f.service.unregister({ user: 'acme', pass: 'secret' }), 400, 'Missing argument mac');
    assert.equal(f.revocations, 0);
  });

  it('refuses to register again a device that still presents its revoked certificate (409)', async () => {
    arrive();
    await register();
    await f.service.unregister({ user: 'acme', pass: 'secret', mac: MAC });
    arrive();
    await refused(register(), 409, 'Device 00408CA03AF0 still presents its revoked certificate (serial abc123): it needs a new device certificate');
    arrive(MAC, OAK, 'fresh1');
    assert.equal((await register()).provisioned, true);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Received, TestPki, TestReceiver, TetherProcess, curl, freePort, writeConfig } from '@tether/testing';

const params = (r: Received) => new URL(r.url, 'http://x').searchParams;
const action = (r: Received) => params(r).get('action') ?? '';
const line = (r: Received) => `${r.method} ${action(r)} ${params(r).get('client_id') ?? ''}`.trim();

/** `tether server` (no redis_url): the same notifications through one in-memory queue in the process. */
describe('notifications from the all-in-one server (in-memory queue)', () => {
  const MAC = '00408c7c0001';
  let pki: TestPki;
  let rx: TestReceiver;
  let dir: string;
  let server: TetherProcess;
  let agent: TetherProcess;
  let client = '';
  let admin = 0;

  before(async () => {
    pki = await TestPki.create();
    rx = await TestReceiver.start();
    dir = mkdtempSync(join(tmpdir(), 'tether-notify-server-'));
    const clientPort = await freePort();
    client = `127.0.0.1:${clientPort}`;
    admin = await freePort();
    const config = writeConfig(dir, 'tether.conf', {
      stserverid: 'solo',
      listen_client: client,
      listen_user: `127.0.0.1:${await freePort()}`,
      listen_admin: `127.0.0.1:${admin}`,
      cert_file: pki.serverPem,
      ca_cert_file: pki.dispatcherCa,
      notify_urls: rx.url(),
      notify_timeout: 1,
      notify_retry_base_ms: 100,
      notify_retry_max_ms: 400,
      keepalive: 2,
    });
    server = new TetherProcess(['server', '--config', config]);
    await server.waitForOutput(/listen_admin on/);
  });
  after(async () => {
    await agent?.stop();
    await server?.stop();
    await rx?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('server_up, client_hello, client_connect; a client_connect 302 redirects the device from within the process', async () => {
    const other = `localhost:${client.split(':')[1]}`;
    rx.reply = (r) => {
      if (action(r) === 'client_hello') return { status: 204 };
      // The same server under another name of the device's list: the device must reconnect to it.
      if (action(r) === 'client_connect' && params(r).get('client_id')?.startsWith('1.')) return { status: 302, location: other };
      return { status: 200 };
    };
    agent = new TetherProcess(['agent', '--ca', pki.providerCa, '--reconnect-jitter', '200', '--servers', `${client},${other}`, '--cert', await pki.deviceCert(MAC), '--simulate']);
    await agent.waitForOutput(new RegExp(`connected to ${other} as 2\\.${MAC}`), 20_000);
    await rx.waitUntil((all) => all.filter((r) => action(r) === 'client_connect').length >= 2, 10_000, 'the second client_connect');
    const UP = MAC.toUpperCase();
    const got = rx.received.map(line);
    assert.deepEqual([...got].sort(), [
      `DELETE client_disconnect 1.${UP}`,
      `HEAD client_hello 1.${UP}`,
      `HEAD client_hello 2.${UP}`,
      `PUT client_connect 1.${UP}`,
      `PUT client_connect 2.${UP}`,
      'PUT server_up',
    ]);
    // The redirect is make-before-break (connection 2 says hello while connection 1 still stands), so only
    // these orders are fixed: server_up first, and each connection's hello, connect, disconnect in turn.
    const at = (l: string) => got.indexOf(l);
    assert.equal(at('PUT server_up'), 0);
    assert.ok(at(`HEAD client_hello 1.${UP}`) < at(`PUT client_connect 1.${UP}`), got.join(' | '));
    assert.ok(at(`PUT client_connect 1.${UP}`) < at(`DELETE client_disconnect 1.${UP}`), got.join(' | '));
    assert.ok(at(`PUT client_connect 1.${UP}`) < at(`HEAD client_hello 2.${UP}`), got.join(' | '));
    assert.ok(at(`HEAD client_hello 2.${UP}`) < at(`PUT client_connect 2.${UP}`), got.join(' | '));
    assert.ok(rx.received.every((r) => r.headers['x-stserver-id'] === 'solo'));
    assert.match(server.output, new RegExp(`redirect of 1\\.${MAC} to ${other}`));
    const status = await curl(['--fail', `http://127.0.0.1:${admin}/admin/status.cgi`]);
    assert.match(status.stdout.toString(), new RegExp(`^id=2\\.${MAC} `, 'm'));
  });

  it('on SIGTERM the device\'s client_disconnect and server_down reach the receiver before the process exits', async () => {
    const before = rx.received.length;
    await server.stop();
    assert.deepEqual(rx.received.slice(before).map(line).sort(), [`DELETE client_disconnect 2.${MAC.toUpperCase()}`, 'DELETE server_down'].sort());
  });
});

/** HTTPS receivers: verified against notification_ca (reference 6, `notification_ca`), never without it. */
describe('notifications to an HTTPS receiver (notification_ca)', () => {
  const MAC = '00408c7c0002';
  let pki: TestPki;
  let rx: TestReceiver;
  let dir: string;
  const procs: TetherProcess[] = [];

  before(async () => {
    pki = await TestPki.create();
    rx = await TestReceiver.start({ pem: pki.read(pki.serverPem) });
    rx.reply = (r) => ({ status: action(r) === 'client_hello' ? 204 : 200 });
    dir = mkdtempSync(join(tmpdir(), 'tether-notify-https-'));
  });
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop()));
    await rx?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A `tether server` whose receiver is the HTTPS one, trusting `ca`; and an agent of MAC connecting to it. */
  const serve = async (name: string, ca: string) => {
    const client = `127.0.0.1:${await freePort()}`;
    const config = writeConfig(dir, `${name}.conf`, {
      stserverid: name,
      listen_client: client,
      listen_user: `127.0.0.1:${await freePort()}`,
      listen_admin: `127.0.0.1:${await freePort()}`,
      cert_file: pki.serverPem,
      ca_cert_file: pki.dispatcherCa,
      notify_urls: rx.url('https'),
      notification_ca: ca,
      notify_timeout: 1,
    });
    const server = new TetherProcess(['server', '--config', config]);
    procs.push(server);
    await server.waitForOutput(/listen_admin on/);
    const agent = new TetherProcess(['agent', '--ca', pki.providerCa, '--servers', client, '--cert', await pki.deviceCert(MAC), '--simulate']);
    procs.push(agent);
    return { server, agent };
  };

  it('a receiver whose certificate chains to notification_ca gets server_up and decides client_hello', async () => {
    const { agent } = await serve('trusting', pki.providerCa);
    await agent.waitForOutput(new RegExp(`connected to .* as 1\\.${MAC}`), 20_000);
    await agent.stop();
    const mine = rx.received.filter((r) => r.headers['x-stserver-id'] === 'trusting').map(line);
    assert.deepEqual(mine.slice(0, 3), ['PUT server_up', `HEAD client_hello 1.${MAC.toUpperCase()}`, `PUT client_connect 1.${MAC.toUpperCase()}`]);
  });

  it('a receiver not chaining to notification_ca is never reached: the device is refused (certificate error in the log)', async () => {
    const { server, agent } = await serve('distrusting', pki.dispatcherCa);
    await server.waitForOutput(/client_hello: not accepted, the device will reconnect later: .*certificate/i, 20_000);
    assert.equal(agent.count(/connected to /), 0);
    assert.equal(rx.received.filter((r) => r.headers['x-stserver-id'] === 'distrusting').length, 0);
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueServerCert, parseCrl, serialOf, setupProviderCa } from '@tether/pki';
import { TestPki, TetherCluster, TetherProcess, curl, freePort, waitFor, writeConfig } from '@tether/testing';

const MAC = '00408ca03af0';
const OAK = '5A8A-26D0-52AC';
/** Never connected to the dispatcher. */
const STRANGER = '00408ca03aff';

function getBuffer(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('dispatcher: factory device -> dispatch.cgi register -> provider edges; unregister -> CRL -> refused (reference 1, 4, 8.3)', () => {
  let cluster: TetherCluster;
  let dispatcher: TetherProcess;
  let agent: TetherProcess;
  let dir: string;
  let admin = 0;
  let deviceCert = '';
  /** The second device's certificate (registered while offline), and how its agent is started. */
  let mac2Cert = '';
  let mac2Args: string[] = [];
  const ports = { device: 0, api: 0, crl: 0 };
  const crlId = randomUUID();
  const crlUrl = () => `http://127.0.0.1:${ports.crl}/crl/${crlId}.crl`;
  const edge = (i: number) => `127.0.0.1:${cluster.edges[i].clientPort}`;
  const dispatch = async (query: string) => {
    const r = await curl(['-s', '-w', '\n%{http_code}', `http://127.0.0.1:${admin}/admin/dispatch.cgi?${query}`]);
    const text = r.stdout.toString();
    const nl = text.lastIndexOf('\n');
    return { status: Number(text.slice(nl + 1)), body: text.slice(0, nl) };
  };
  const register = (server: string, extra = '') => dispatch(`action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=${OAK}&server=${server}${extra}`);
  const failure = (reason: string) => `Request failed. (Reason: ${reason}.)\n`;
  const connectedTo = (server: string) => agent.count(new RegExp(`connected to ${server.replace(/\./g, '\\.')} as`));
  const camera = () => curl(['-s', '-x', cluster.proxy, '-u', 'root:pass', `http://${MAC}/axis-cgi/param.cgi?action=list&group=root.RemoteService`]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-dispatcher-'));
    ports.device = await freePort();
    ports.api = await freePort();
    ports.crl = await freePort();
    // Edges check device certificates against the dispatcher's CRL (soft: until it is up, they accept and retry).
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { crl_url: crlUrl(), crl_refresh: 1 } });
    // The dispatcher's own server certificate, from a CA of its own: factory devices trust only that one.
    const serverCaDir = join(dir, 'dispatcher-server-ca');
    await setupProviderCa({ dir: serverCaDir, keyType: 'ec-p256', name: 'Test dispatcher server CA' });
    await issueServerCert({ dir: serverCaDir, hosts: ['localhost', '127.0.0.1'], out: join(dir, 'dispatcher.pem'), keyType: 'ec-p256' });
    const accounts = join(dir, 'accounts');
    for (const [user, password] of [['acme', 'secret'], ['other', 'other-pass']]) {
      const p = new TetherProcess(['dispatcher-account', '--accounts', accounts, '--user', user, '--password', password]);
      assert.equal(await p.exited, 0, p.output);
    }
    assert.doesNotMatch(readFileSync(accounts, 'utf8'), /secret|other-pass/, 'only hashes are stored');
    const config = writeConfig(dir, 'dispatcher.conf', {
      stserverid: 'dispatcher-0',
      dispatcher_listen: `127.0.0.1:${ports.device}`,
      dispatcher_api_listen: `127.0.0.1:${ports.api}`,
      dispatcher_crl_listen: `127.0.0.1:${ports.crl}`,
      dispatcher_crl_id: crlId,
      cert_file: join(dir, 'dispatcher.pem'),
      ca_cert_file: cluster.pki.dispatcherCa,
      dispatcher_ca_dir: cluster.pki.dispatcherDir,
      dispatcher_accounts: accounts,
      dispatcher_state: join(dir, 'state.json'),
      keepalive: 2,
      loglevel: 4,
    });
    dispatcher = new TetherProcess(['dispatcher', '--config', config]);
    await dispatcher.waitForOutput(/dispatcher_api_listen on/);
    admin = await cluster.startControl({
      provider_ca: cluster.pki.providerCa,
      dispatcher_url: `https://127.0.0.1:${ports.api}`,
      dispatcher_ca_bundle: join(serverCaDir, 'stserver_ca.crt'),
      dispatcher_timeout: 3,
    });
    deviceCert = await cluster.pki.deviceCert(MAC);
    // Factory state: the server list is the dispatcher, the CA is the dispatcher's server CA.
    agent = new TetherProcess([
      'agent',
      '--servers',
      `127.0.0.1:${ports.device}`,
      '--ca',
      join(serverCaDir, 'stserver_ca.crt'),
      '--cert',
      deviceCert,
      '--oak',
      OAK,
      '--simulate',
      '--reconnect-jitter',
      '200',
    ]);
    await agent.waitForOutput(new RegExp(`connected to 127\\.0\\.0\\.1:${ports.device} as 1\\.${MAC}`));
    await dispatcher.waitForOutput(new RegExp(`1\\.${MAC}@127\\.0\\.0\\.1:\\d+ waiting for registration`));
  });
  after(async () => {
    await agent?.stop();
    await dispatcher?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves an empty signed CRL at /crl/<id>.crl, with nextUpdate; other paths are 404', async () => {
    const r = await getBuffer(crlUrl());
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/pkix-crl');
    const crl = parseCrl(r.body);
    assert.equal(crl.serials.size, 0);
    assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now());
    assert.equal(await crl.verify(cluster.pki.read(cluster.pki.dispatcherCa)), true);
    assert.equal((await getBuffer(`http://127.0.0.1:${ports.crl}/crl/other.crl`)).status, 404);
  });

  it('refuses, with the reason, every register that cannot be honoured; the device stays at the dispatcher', async () => {
    const cases: Array<[string, string]> = [
      [`action=register&user=acme&pass=secret&mac=00408CA03AFF&oak=${OAK}&server=${edge(0)}`, 'Unknown MAC 00408CA03AFF: the device has never connected to this dispatcher'],
      [`action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=0000-0000-0000&server=${edge(0)}`, 'Wrong OAK for 00408CA03AF0'],
      [`action=register&user=acme&pass=wrong&mac=00408CA03AF0&oak=${OAK}&server=${edge(0)}`, 'Invalid user or password'],
      [`action=register&user=nobody&pass=secret&mac=00408CA03AF0&oak=${OAK}&server=${edge(0)}`, 'Invalid user or password'],
      [`action=register&user=acme&pass=secret&mac=00408CA03AF0&server=${edge(0)}`, 'Missing argument oak'],
      [`action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=${OAK}`, 'Missing argument server (it may be empty)'],
      [`action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=${OAK}&server=`, 'Account acme has no server list yet: give server'],
      [`action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=${OAK}&server=nope`, 'Invalid server "nope": expected <address:port> such as example.com:8443'],
      [`action=unregister&user=acme&pass=secret&mac=${STRANGER}`, 'Unknown MAC 00408CA03AFF: the device has never connected to this dispatcher'],
      [`action=unregister&user=acme&pass=secret&mac=00408CA03AF0`, 'Device 00408CA03AF0 is not registered to account acme'],
      ['action=move&user=acme', 'Invalid action "move": expected register or unregister'],
    ];
    for (const [query, reason] of cases) {
      const r = await dispatch(query);
      assert.equal(r.status, 400, query);
      assert.equal(r.body, failure(reason), query);
    }
    assert.equal(agent.count(/provisioned by the dispatcher/), 0);
  });

  it('register: the waiting device gets the provider servers and CA, arrives on the edge and answers curl -x, OAK included', async () => {
    const r = await register(edge(0));
    assert.deepEqual(r, { status: 200, body: '' });
    await agent.waitForOutput(new RegExp(`${MAC}: provisioned by the dispatcher, servers ${edge(0).replace(/\./g, '\\.')}`));
    await waitFor(() => (connectedTo(edge(0)) >= 1 ? true : undefined), 20_000, 'agent on edge 0');
    const body = (await camera()).stdout.toString();
    assert.match(body, new RegExp(`^root\\.RemoteService\\.ServerList=${edge(0).replace(/\./g, '\\.')}$`, 'm'));
    assert.match(body, new RegExp(`^root\\.RemoteService\\.OAK=${OAK}$`, 'm'));
  });

  it('refuses the device to another account, even with its OAK', async () => {
    const r = await dispatch(`action=register&user=other&pass=other-pass&mac=00408CA03AF0&oak=${OAK}&server=${edge(1)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body, failure('Device 00408CA03AF0 is registered to another account'));
  });

  it("a second register with a new server list moves the account's devices; an empty server keeps the list", async () => {
    assert.equal((await register(edge(1))).status, 200);
    await waitFor(() => (connectedTo(edge(1)) >= 1 ? true : undefined), 20_000, 'agent moved to edge 1');
    assert.match((await camera()).stdout.toString(), new RegExp(`^root\\.RemoteService\\.ServerList=${edge(1).replace(/\./g, '\\.')}$`, 'm'));
    const before = agent.count(/connected to /);
    assert.deepEqual(await register(''), { status: 200, body: '' });
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    assert.deepEqual(state.accounts.acme.servers, [edge(1)]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(agent.count(/connected to /), before, 'an unchanged list moves nobody');
  });

  it('a device registered while offline is provisioned when it next connects to the dispatcher', async () => {
    const mac2 = '00408ca03af1';
    const oak2 = '1111-2222-3333';
    const args = (mac2Args = [
      'agent', '--servers', `127.0.0.1:${ports.device}`, '--ca', join(dir, 'dispatcher-server-ca', 'stserver_ca.crt'), '--cert', (mac2Cert = await cluster.pki.deviceCert(mac2)),
      '--oak', oak2, '--simulate', '--reconnect-jitter', '200', '--state-dir', join(dir, 'agent-state'),
    ]);
    const first = new TetherProcess(args);
    try {
      await dispatcher.waitForOutput(new RegExp(`1\\.${mac2}@127\\.0\\.0\\.1:\\d+ waiting for registration`));
    } finally {
      await first.stop();
    }
    // Offline now; the account's list (edge 1) applies since server is empty.
    assert.deepEqual(await dispatch(`action=register&user=acme&pass=secret&mac=${mac2}&oak=${oak2}&server=`), { status: 200, body: '' });
    const again = new TetherProcess(args);
    try {
      await again.waitForOutput(new RegExp(`${mac2}: provisioned by the dispatcher, servers ${edge(1).replace(/\./g, '\\.')}`));
      await again.waitForOutput(new RegExp(`connected to ${edge(1).replace(/\./g, '\\.')} as`), 20_000);
      const r = await curl(['-s', '-x', cluster.proxy, '-u', 'root:pass', `http://${mac2}/axis-cgi/param.cgi?action=list&group=root.RemoteService.OAK`]);
      assert.equal(r.stdout.toString(), `root.RemoteService.OAK=${oak2}\n`);
    } finally {
      await again.stop();
    }
  });

  it('an agent restarted with --state-dir comes back provisioned: straight to the provider edge, trusting the provider CA', async () => {
    const restarted = new TetherProcess(mac2Args);
    try {
      await restarted.waitForOutput(new RegExp(`connected to ${edge(1).replace(/\./g, '\\.')} as 1\\.00408ca03af1`), 20_000);
      assert.equal(restarted.count(new RegExp(`connected to 127\\.0\\.0\\.1:${ports.device} `)), 0, 'not by way of the dispatcher');
      assert.equal(restarted.count(/provisioned by the dispatcher/), 0);
      const r = await curl(['-s', '-x', cluster.proxy, '-u', 'root:pass', 'http://00408ca03af1/axis-cgi/param.cgi?action=list&group=root.RemoteService.ServerList']);
      assert.equal(r.stdout.toString(), `root.RemoteService.ServerList=${edge(1)}\n`);
    } finally {
      await restarted.stop();
    }
  });

  it('an agent takes provision only from its own dispatcher (one started without --oak has none)', async () => {
    // mac2 is registered; an agent for it that was not started in factory state treats the dispatcher as any server.
    const p = new TetherProcess(['agent', '--servers', `127.0.0.1:${ports.device}`, '--ca', join(dir, 'dispatcher-server-ca', 'stserver_ca.crt'), '--cert', mac2Cert, '--simulate']);
    try {
      await p.waitForOutput(new RegExp(`00408ca03af1: ignored provision from 127\\.0\\.0\\.1:${ports.device}: not its dispatcher`));
      await dispatcher.waitForOutput(/00408ca03af1: provision: failed \(provision is accepted only from the dispatcher\)/);
      assert.equal(p.count(/provisioned by the dispatcher/), 0);
    } finally {
      await p.stop();
    }
  });

  it('unregister: the serial is in the CRL; the edge loads it and refuses the device at its next connect', async () => {
    assert.deepEqual(await dispatch('action=unregister&user=acme&pass=secret&mac=00408CA03AF0'), { status: 200, body: '' });
    const serial = serialOf(cluster.pki.read(deviceCert));
    const crl = parseCrl((await getBuffer(crlUrl())).body);
    assert.ok(crl.isRevoked(serial), `CRL lists ${serial}`);
    const edgeProc = cluster.edges[1].proc;
    await edgeProc.waitForOutput(/CRL loaded from .*: 1 revoked/, 20_000);
    // The edge drops it as soon as the new CRL revokes it (no reconnect.cgi needed), and refuses it when it comes back.
    await edgeProc.waitForOutput(new RegExp(`dropping device 00408CA03AF0: certificate serial ${serial} is revoked by the new CRL`), 20_000);
    await edgeProc.waitForOutput(new RegExp(`refused [\\d.:]+: device 00408CA03AF0: certificate serial ${serial} is revoked`), 20_000);
    const r = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-x', cluster.proxy, `http://${MAC}/axis-cgi/param.cgi?action=list`]);
    assert.equal(r.stdout.toString(), '404');
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    assert.equal(state.devices[MAC].account, undefined);
    // Refused everywhere, it goes back to its dispatcher, which holds it without provisioning it.
    const provisioned = agent.count(/provisioned by the dispatcher/);
    await agent.waitForOutput(new RegExp(`${MAC}: none of .* answered; asking the dispatcher`), 30_000);
    await waitFor(() => (dispatcher.count(new RegExp(`\\d+\\.${MAC}@127\\.0\\.0\\.1:\\d+ waiting for registration`)) >= 2 ? true : undefined), 20_000, 'back at the dispatcher');
    assert.equal(agent.count(/provisioned by the dispatcher/), provisioned);
  });

  it("a provisioned device whose servers all fail asks the dispatcher again and gets the account's new list", async () => {
    const mac3 = '00408ca03af2';
    const oak3 = 'AAAA-BBBB-CCCC';
    const dead = `127.0.0.1:${await freePort()}`;
    const p = new TetherProcess(['agent', '--servers', `127.0.0.1:${ports.device}`, '--ca', join(dir, 'dispatcher-server-ca', 'stserver_ca.crt'), '--cert', await cluster.pki.deviceCert(mac3), '--oak', oak3, '--simulate', '--reconnect-jitter', '200']);
    try {
      await dispatcher.waitForOutput(new RegExp(`1\\.${mac3}@127\\.0\\.0\\.1:\\d+ waiting for registration`));
      const reg = (server: string) => dispatch(`action=register&user=other&pass=other-pass&mac=${mac3}&oak=${oak3}&server=${server}`);
      assert.equal((await reg(dead)).status, 200);
      await p.waitForOutput(new RegExp(`${mac3} -> ${dead.replace(/\./g, '\\.')}: `)); // it left for a server that does not answer
      assert.equal((await reg(edge(0))).status, 200);
      await p.waitForOutput(new RegExp(`${mac3}: none of ${dead.replace(/\./g, '\\.')} answered; asking the dispatcher`), 30_000);
      await p.waitForOutput(new RegExp(`connected to ${edge(0).replace(/\./g, '\\.')} as`), 30_000);
    } finally {
      await p.stop();
    }
  });

  it('answers 400 "connection refused" when the dispatcher is down', async () => {
    await dispatcher.stop();
    const r = await register(edge(0));
    assert.equal(r.status, 400);
    assert.equal(r.body, failure(`Dispatcher https://127.0.0.1:${ports.api} unreachable: connection refused`));
  });
});

describe('tether dispatcher and dispatcher-account: refused starts and inputs', () => {
  const run = async (...args: string[]) => {
    const p = new TetherProcess(args);
    return { code: await p.exited, output: p.output };
  };

  it('a dispatcher without its files or listeners does not start, and names what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-dispatcher-cli-'));
    try {
      const config = writeConfig(dir, 'd.conf', { dispatcher_listen: '127.0.0.1:0' });
      const r = await run('dispatcher', '--config', config);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /tether dispatcher: the dispatcher needs dispatcher_accounts, dispatcher_state, dispatcher_ca_dir, cert_file, ca_cert_file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an account file with a password in clear stops the start, naming the line', async () => {
    const pki = await TestPki.create();
    const dir = mkdtempSync(join(tmpdir(), 'tether-dispatcher-cli-'));
    try {
      const accounts = join(dir, 'accounts');
      writeFileSync(accounts, '# providers\nacme:secret\n');
      const config = writeConfig(dir, 'd.conf', {
        dispatcher_listen: '127.0.0.1:0',
        dispatcher_api_listen: '127.0.0.1:0',
        cert_file: pki.serverPem,
        ca_cert_file: pki.dispatcherCa,
        dispatcher_accounts: accounts,
        dispatcher_state: join(dir, 'state.json'),
        dispatcher_ca_dir: pki.dispatcherDir,
      });
      const r = await run('dispatcher', '--config', config);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /accounts:2: the password of "acme" is not a scrypt hash \(write it with tether dispatcher-account\)/);
      assert.doesNotMatch(r.output, /secret/);
    } finally {
      pki.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dispatcher-account refuses a missing password or a bad user name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-dispatcher-cli-'));
    try {
      const accounts = join(dir, 'accounts');
      let r = await run('dispatcher-account', '--accounts', accounts, '--user', 'acme');
      assert.equal(r.code, 2, r.output);
      assert.match(r.output, /--password \(or TETHER_DISPATCHER_PASSWORD\) is required/);
      r = await run('dispatcher-account', '--accounts', accounts, '--user', 'a b', '--password', 'x');
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /user name "a b" must be 1-64 letters, digits, \. _ @ -/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('agent --oak is checked: its form, and one device only', async () => {
    let r = await run('agent', '--servers', '127.0.0.1:1', '--ca', '/dev/null', '--cert', '/dev/null', '--simulate', '--oak', 'nope');
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /--oak must look like 5A8A-26D0-52AC/);
    r = await run('agent', '--servers', '127.0.0.1:1', '--ca', '/dev/null', '--issue-from', '/nonexistent', '--mac', '00408c000001', '--count', '2', '--simulate', '--oak', '5A8A-26D0-52AC');
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /--oak is one device \(each device has its own OAK\)/);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setupDispatcherCa } from '@tether/pki';
import { TetherCluster, TetherProcess, curl, freePort, literal, waitFor, waitForOutputSince, writeConfig } from '@tether/testing';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';

const MAC = '00408c5e0001';

describe('control: serverlist.cgi updates a device server list through the tunnel; redirects fall back along it', () => {
  let cluster: TetherCluster;
  let camera: TetherProcess;
  let admin = 0;
  /** An edge whose ca_cert_file is a CA that did not sign the device: it refuses it at TLS. */
  let distrusting: TetherProcess;
  let distrustingPort = 0;
  const base = () => `http://127.0.0.1:${admin}/admin`;
  const edge = (i: number) => `127.0.0.1:${cluster.edges[i].clientPort}`;
  const onEdge = (i: number, since = 0) => camera.output.slice(since).match(new RegExp(`connected to ${literal(edge(i)).source} as \\d+\\.${MAC}`)) !== null;
  const get = async (url: string) => {
    const r = await curl(['-s', '-o', '-', '-w', '\n%{http_code}', url]);
    const text = r.stdout.toString();
    const nl = text.lastIndexOf('\n');
    return { status: Number(text.slice(nl + 1)), body: text.slice(0, nl) };
  };
  const serverList = async () => {
    const r = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${MAC}/axis-cgi/param.cgi?action=list&group=RemoteService.ServerList`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString().trim();
  };

  before(async () => {
    cluster = await TetherCluster.start({ edges: 3 });
    // Control authenticates to the camera with the credentials the virtual camera has (root:pass).
    admin = await cluster.startControl({ credentials: 'root:pass' });
    const rogue = join(cluster.dir, 'rogue-ca');
    await setupDispatcherCa({ dir: rogue, keyType: 'ec-p256', name: 'Another dispatcher CA' });
    distrustingPort = await freePort();
    distrusting = new TetherProcess([
      'edge',
      '--config',
      writeConfig(cluster.dir, 'distrusting.conf', {
        stserverid: 'edge-distrusting',
        listen_client: `127.0.0.1:${distrustingPort}`,
        grpc_listen: `127.0.0.1:${await freePort()}`,
        cert_file: cluster.pki.serverPem,
        ca_cert_file: join(rogue, 'dispatcher_ca.crt'),
        redis_url: cluster.redis.url,
        loglevel: 4,
      }),
    ]);
    await distrusting.waitForOutput(/listen_client on/);
    camera = await cluster.agent(['--servers', cluster.servers([0, 1]), '--cert', await cluster.pki.deviceCert(MAC), '--simulate']);
    assert.ok(onEdge(0));
  });
  after(async () => {
    await distrusting?.stop();
    await cluster?.stop();
  });

  it('a redirect to a server outside the list is ignored; after serverlist.cgi adds it, the device moves there', async () => {
    let since = camera.output.length;
    assert.equal((await get(`${base()}/redirect.cgi?client=${MAC}&server=${edge(2)}`)).body, 'OK\n');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(onEdge(2, since), false, 'edge 2 is not in the list yet');

    const list = cluster.servers([0, 1, 2]);
    const r = await curl(['-i', `${base()}/serverlist.cgi?client=${MAC}&servers=${list}`]);
    const text = r.stdout.toString();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\nContent-Type: text\/plain\r\n/i);
    assert.ok(text.endsWith('\r\n\r\nOK\n'), text);
    assert.equal(await serverList(), `root.RemoteService.ServerList=${list}`);
    await cluster.control!.waitForOutput(new RegExp(`serverlist ${MAC}: root\\.RemoteService\\.ServerList = ${literal(list).source}`));

    since = camera.output.length;
    assert.equal((await get(`${base()}/redirect.cgi?client=${MAC}&server=${edge(2)}`)).body, 'OK\n');
    await waitFor(() => (onEdge(2, since) ? true : undefined), 15_000, 'the camera on edge 2');
  });

  it('redirected to a listed server that refuses it, the device falls back along its list to a working server', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const refusing = `127.0.0.1:${distrustingPort}`;
    // The device is on edge 2; its new list no longer has edge 2 and starts with two servers that will not take it.
    const list = [closed, refusing, edge(1)].join(',');
    assert.equal((await get(`${base()}/serverlist.cgi?client=${MAC}&servers=${list}`)).body, 'OK\n');
    const since = camera.output.length;
    const d = distrusting.output.length;
    assert.equal((await get(`${base()}/redirect.cgi?client=${MAC}&server=${refusing}`)).body, 'OK\n');
    await waitFor(() => (onEdge(1, since) ? true : undefined), 20_000, 'the camera on edge 1').catch((e) => {
      throw new Error(`${e.message}\ncamera:\n${camera.output.slice(since)}\ndistrusting edge:\n${distrusting.output.slice(d)}`);
    });
    const tried = camera.output.slice(since);
    assert.match(tried, new RegExp(`${MAC} -> ${literal(refusing).source}: `), 'tried the server it was redirected to first');
    assert.match(tried, new RegExp(`${MAC} -> ${literal(closed).source}: `), 'then the next of its list');
    assert.ok(tried.indexOf(refusing) < tried.indexOf(`${MAC} -> ${closed}`));
    await waitForOutputSince(distrusting, d, /TLS handshake from 127\.0\.0\.1:\d+ failed: client certificate rejected/);
  });

  it('an agent in front of a --target camera takes the new list too (param.cgi to the camera, set-servers to the agent)', async () => {
    const TARGET_MAC = '00408c5e0002';
    const seen: string[] = [];
    const cam = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    });
    await new Promise<void>((r) => cam.listen(0, '127.0.0.1', r));
    try {
      const agent = await cluster.agent([
        '--servers',
        edge(0),
        '--cert',
        await cluster.pki.deviceCert(TARGET_MAC),
        '--target',
        `http://127.0.0.1:${(cam.address() as AddressInfo).port}`,
      ]);
      const list = cluster.servers([0, 2]);
      assert.equal((await get(`${base()}/serverlist.cgi?client=${TARGET_MAC}&servers=${list}`)).body, 'OK\n');
      assert.deepEqual(seen, [`/axis-cgi/param.cgi?action=update&root.RemoteService.ServerList=${encodeURIComponent(list)}`]);
      const since = agent.output.length;
      assert.equal((await get(`${base()}/redirect.cgi?client=${TARGET_MAC}&server=${edge(2)}`)).body, 'OK\n');
      await waitForOutputSince(agent, since, new RegExp(`connected to ${literal(edge(2)).source} as 2\\.${TARGET_MAC}`));
      await agent.stop();
    } finally {
      cam.close();
    }
  });

  it('a camera answering param.cgi with an error → 502 with its first line', async () => {
    const TARGET_MAC = '00408c5e0003';
    const cam = createServer((_req, res) => res.writeHead(200).end("# Error: Error setting 'root.RemoteService.ServerList'\n"));
    await new Promise<void>((r) => cam.listen(0, '127.0.0.1', r));
    try {
      const agent = await cluster.agent(['--servers', edge(0), '--cert', await cluster.pki.deviceCert(TARGET_MAC), '--target', `http://127.0.0.1:${(cam.address() as AddressInfo).port}`]);
      const r = await get(`${base()}/serverlist.cgi?client=${TARGET_MAC}&servers=${edge(1)}`);
      assert.equal(r.status, 502);
      assert.equal(r.body, `Request failed. (Reason: Client ${TARGET_MAC} refused the server list update: param.cgi answered "# Error: Error setting 'root.RemoteService.ServerList'".)\n`);
      await agent.stop();
    } finally {
      cam.close();
    }
  });

  for (const [query, status, reason] of [
    [`client=${MAC}`, 400, 'Missing argument servers'],
    [`servers=127.0.0.1:1`, 400, 'Missing argument client'],
    [`client=${MAC}&servers=127.0.0.1:1,nope`, 400, 'Invalid server "nope" in servers: expected <address:port>[,<address:port>...] such as 127.0.0.1:8443,10.0.0.2:8443'],
    [`client=${MAC}&servers=127.0.0.1:1,127.0.0.1:0`, 400, 'Invalid server "127.0.0.1:0" in servers'],
    [`client=${MAC}&servers=127.0.0.1:1,127.0.0.1:1`, 400, 'Server "127.0.0.1:1" is listed twice in servers'],
    [`client=${MAC}&servers=127.0.0.1:1&servers=127.0.0.1:2`, 400, 'Argument servers given 2 times'],
    [`client=zz&servers=127.0.0.1:1`, 400, 'Invalid client "zz"'],
    [`client=00408c5e00ff&servers=127.0.0.1:1`, 404, 'Client 00408c5e00ff is not connected'],
    [`client=9.${MAC}&servers=127.0.0.1:1`, 404, `Client 9.${MAC} is not connected`],
  ] as const) {
    it(`${query} → ${status} ${reason}`, async () => {
      const r = await get(`${base()}/serverlist.cgi?${query}`);
      assert.equal(r.status, status);
      assert.ok(r.body.startsWith(`Request failed. (Reason: ${reason}`), r.body);
    });
  }

  it('a device that refuses the update (wrong internal credentials) → 502 naming why; its list is unchanged', async () => {
    const before = await serverList();
    const port = await freePort();
    const wrong = new TetherProcess([
      'control',
      '--config',
      writeConfig(cluster.dir, 'control-wrong.conf', { stserverid: 'control-wrong', listen_admin: `127.0.0.1:${port}`, redis_url: cluster.redis.url, credentials: 'root:wrong' }),
    ]);
    try {
      await wrong.waitForOutput(/listen_admin on/);
      const r = await get(`http://127.0.0.1:${port}/admin/serverlist.cgi?client=${MAC}&servers=${edge(0)}`);
      assert.equal(r.status, 502);
      assert.equal(r.body, `Request failed. (Reason: Client ${MAC} refused the server list update: param.cgi answered HTTP 401.)\n`);
      assert.equal(await serverList(), before);
    } finally {
      await wrong.stop();
    }
  });
});

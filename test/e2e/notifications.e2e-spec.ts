import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Received, Reply, TestReceiver, TetherCluster, TetherProcess, curl, freePort, waitFor } from '@tether/testing';

const RETRY = { notify_timeout: 1, notify_retry_base_ms: 100, notify_retry_max_ms: 400, notify_retry_attempts: 500 };

const params = (r: Received) => new URL(r.url, 'http://x').searchParams;
const action = (r: Received) => params(r).get('action') ?? '';
const clientId = (r: Received) => params(r).get('client_id') ?? '';
const from = (r: Received) => String(r.headers['x-stserver-id'] ?? '');
const deliveryId = (r: Received) => String(r.headers['x-tether-delivery-id'] ?? '');
const macOf = (r: Received) => clientId(r).split('.')[1] ?? '';
/** `action client_id` as a receiver would log it. */
const line = (r: Received) => `${action(r)} ${clientId(r)}`.trim();

/**
 * O3C notifications (reference section 6) from a real cluster (two edges, a gateway, control running the
 * BullMQ worker) to a plain HTTP receiver in the test.
 */
describe('notifications (reference section 6) across a cluster', () => {
  let rx: TestReceiver;
  let cluster: TetherCluster;
  let admin = 0;
  /** What the receiver answers now; every answer is recorded with the request. */
  let answer: (r: Received) => Reply = () => ({ status: 200 });
  /** Requests the receiver accepted (2xx, or 302 to client_connect), in arrival order. */
  const accepted: Received[] = [];
  const agents: TetherProcess[] = [];

  const edge = (i: number) => `127.0.0.1:${cluster.edges[i].clientPort}`;
  const statusText = async () => (await curl(['--fail', `http://127.0.0.1:${admin}/admin/status.cgi`])).stdout.toString();
  const listed = async (mac: string) => new RegExp(`^id=\\d+\\.${mac} `, 'm').test(await statusText());
  const agent = async (mac: string, servers: string, wait = 1) => {
    const a = await cluster.agent(['--servers', servers, '--cert', await cluster.pki.deviceCert(mac), '--simulate'], wait);
    agents.push(a);
    return a;
  };
  /** Queued notifications of one device as the receiver accepted them (first delivery of each id). */
  const deliveredFor = (mac: string) => {
    const seen = new Set<string>();
    return accepted.filter((r) => {
      if (action(r) === 'client_hello' || macOf(r) !== mac.toUpperCase() || seen.has(deliveryId(r))) return false;
      seen.add(deliveryId(r));
      return true;
    });
  };
  const hellos = (mac: string) => rx.received.filter((r) => action(r) === 'client_hello' && macOf(r) === mac.toUpperCase());
  before(async () => {
    rx = await TestReceiver.start();
    rx.reply = (r) => {
      const a = answer(r);
      if ((a.status >= 200 && a.status < 300) || (a.status === 302 && action(r) === 'client_connect')) accepted.push(r);
      return a;
    };
    answer = (r) => ({ status: action(r) === 'client_hello' ? 204 : 200 });
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { notify_urls: rx.url('http', '/o3c?token=abc'), ...RETRY } });
    admin = await cluster.startControl(RETRY);
  });
  after(async () => {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await cluster?.stop();
    await rx?.close();
  });

  it('server_up from each edge first, then client_hello, client_connect, client_disconnect with the methods, query and headers of section 6', async () => {
    const MAC = '00408c7e0001';
    await rx.waitUntil((all) => all.filter((r) => action(r) === 'server_up').length >= 2, 15_000, 'two server_up');
    const ups = rx.received.filter((r) => action(r) === 'server_up');
    assert.deepEqual(ups.map(from).sort(), ['edge-0', 'edge-1']);
    for (const r of ups) {
      assert.equal(r.method, 'PUT');
      assert.equal(r.url, '/o3c?token=abc&action=server_up');
      assert.match(String(r.headers.connection), /keep-alive/i);
      assert.match(deliveryId(r), /^[0-9a-f]{24}$/);
    }

    const camera = await agent(MAC, cluster.servers());
    await waitFor(async () => ((await listed(MAC)) ? true : undefined), 10_000, `${MAC} in status.cgi`);
    const viaProxy = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${MAC}/axis-cgi/param.cgi?action=list&group=Brand.Brand`]);
    assert.equal(viaProxy.code, 0, viaProxy.stderr);
    const reconnect = await curl(['--fail', `http://127.0.0.1:${admin}/admin/reconnect.cgi?client=${MAC}`]);
    assert.equal(reconnect.code, 0, reconnect.stderr);
    await waitFor(() => (camera.count(/connected to .* as 2\./) ? true : undefined), 15_000, 'the camera back as 2.mac');
    await waitFor(() => (deliveredFor(MAC).length >= 3 ? true : undefined), 15_000, 'connect, disconnect, connect');

    const UP = MAC.toUpperCase();
    const hello = hellos(MAC)[0];
    assert.equal(hello.method, 'HEAD');
    assert.equal(hello.url, `/o3c?token=abc&action=client_hello&client_id=1.${UP}`);
    assert.equal(from(hello), 'edge-0');
    assert.match(String(hello.headers.connection), /keep-alive/i);
    assert.equal(hello.headers['x-tether-delivery-id'], undefined, 'client_hello is not queued');
    const [connect, disconnect, again] = deliveredFor(MAC);
    assert.deepEqual([connect, disconnect, again].map((r) => [r.method, r.url, from(r)]), [
      ['PUT', `/o3c?token=abc&action=client_connect&client_id=1.${UP}&client_srcaddr=127.0.0.1`, 'edge-0'],
      ['DELETE', `/o3c?token=abc&action=client_disconnect&client_id=1.${UP}`, 'edge-0'],
      ['PUT', `/o3c?token=abc&action=client_connect&client_id=2.${UP}&client_srcaddr=127.0.0.1`, 'edge-0'],
    ]);
    for (const r of [connect, disconnect, again]) assert.match(String(r.headers.connection), /keep-alive/i);
    // Hello before its connect; server_up before anything of a device.
    assert.ok(rx.received.indexOf(hello) < rx.received.indexOf(connect));
    assert.ok(Math.max(...ups.map((u) => rx.received.indexOf(u))) < rx.received.indexOf(hello));
    // Keep-Alive reused: the senders (two edges asking client_hello, control delivering) keep their connections.
    const ports = new Set(rx.received.map((r) => r.remotePort));
    assert.ok(ports.size <= 4 && rx.received.length >= 7, `${rx.received.length} requests over ${ports.size} connections`);
  });

  it('client_hello answered 302 to a server of the device\'s list: the device ends up on that edge', async () => {
    const MAC = '00408c7e0002';
    const prev = answer;
    answer = (r) => (action(r) === 'client_hello' && from(r) === 'edge-0' && macOf(r) === MAC.toUpperCase() ? { status: 302, location: edge(1) } : prev(r));
    try {
      // A dead server between the two: redirected before being accepted, the agent goes to edge 1 at once
      // instead of walking down its list.
      const dead = `127.0.0.1:${await freePort()}`;
      const camera = await agent(MAC, `${edge(0)},${dead},${edge(1)}`);
      assert.equal(camera.count(new RegExp(`connected to ${edge(1)} as 1\\.${MAC}`)), 1, camera.output);
      assert.equal(camera.count(new RegExp(`connected to ${edge(0)}`)), 0);
      assert.equal(camera.count(new RegExp(`-> ${dead.replace(/\./g, '\\.')}:`)), 0, camera.output);
      await waitFor(() => (deliveredFor(MAC).length >= 1 ? true : undefined), 10_000, 'client_connect');
      assert.deepEqual(deliveredFor(MAC).map((r) => [line(r), from(r)]), [[`client_connect 1.${MAC.toUpperCase()}`, 'edge-1']]);
    } finally {
      answer = prev;
    }
  });

  it('client_hello answered 302 to a server missing from the device\'s list: not accepted, the device comes back later', async () => {
    const MAC = '00408c7e0003';
    const prev = answer;
    answer = (r) => (action(r) === 'client_hello' && macOf(r) === MAC.toUpperCase() ? { status: 302, location: edge(1) } : prev(r));
    try {
      const camera = await agent(MAC, edge(0), 0);
      await waitFor(() => (hellos(MAC).length >= 2 ? true : undefined), 15_000, 'a second client_hello (the device came back)');
      assert.equal(await listed(MAC), false, 'never listed while refused');
      assert.equal(camera.count(/connected to /), 0);
    } finally {
      answer = prev;
    }
    await waitFor(async () => ((await listed(MAC)) ? true : undefined), 20_000, `${MAC} accepted once the receiver says 204`);
    await waitFor(() => (deliveredFor(MAC).length >= 1 ? true : undefined), 10_000, `${MAC} client_connect`);
    assert.match(line(deliveredFor(MAC)[0]), new RegExp(`^client_connect \\d+\\.${MAC.toUpperCase()}$`));
  });

  it('client_hello answered 500, or not at all within notify_timeout: refused until the receiver answers 204', async () => {
    for (const [MAC, reply] of [
      ['00408c7e0004', { status: 500 }],
      ['00408c7e0005', { status: 204, hang: true }],
    ] as const) {
      const prev = answer;
      answer = (r) => (action(r) === 'client_hello' && macOf(r) === MAC.toUpperCase() ? reply : prev(r));
      try {
        const camera = await agent(MAC, edge(0), 0);
        await waitFor(() => (hellos(MAC).length >= 2 ? true : undefined), 20_000, `${MAC}: a second client_hello`);
        assert.equal(await listed(MAC), false, `${MAC} not listed while refused`);
        assert.equal(camera.count(/connected to /), 0);
        assert.equal(deliveredFor(MAC).length, 0, 'no client_connect for a refused device');
      } finally {
        answer = prev;
      }
      await waitFor(async () => ((await listed(MAC)) ? true : undefined), 20_000, `${MAC} accepted once the receiver says 204`);
      await waitFor(() => (deliveredFor(MAC).length >= 1 ? true : undefined), 10_000, `${MAC} client_connect`);
    }
  });

  it('client_connect answered 302: control redirects the device to that edge', async () => {
    const MAC = '00408c7e0006';
    const prev = answer;
    answer = (r) =>
      action(r) === 'client_connect' && from(r) === 'edge-0' && macOf(r) === MAC.toUpperCase() ? { status: 302, location: edge(1) } : prev(r);
    try {
      const camera = await agent(MAC, cluster.servers());
      assert.equal(camera.count(new RegExp(`connected to ${edge(0)} as 1\\.${MAC}`)), 1, camera.output);
      await waitFor(() => (camera.count(new RegExp(`connected to ${edge(1)} as 2\\.${MAC}`)) ? true : undefined), 15_000, 'the camera on edge 1');
      await waitFor(() => (deliveredFor(MAC).length >= 3 ? true : undefined), 10_000, 'connect, disconnect, connect');
      const seen = deliveredFor(MAC).map((r) => [line(r), from(r)]);
      // The first connection's connect comes first. The redirect is make-before-break: edge 1 takes the device
      // over while edge 0 still holds connection 1, so connection 2's connect and connection 1's disconnect
      // come from two edges at about the same time, in either order.
      assert.deepEqual(seen[0], [`client_connect 1.${MAC.toUpperCase()}`, 'edge-0']);
      assert.deepEqual(
        seen.slice(1).sort(),
        [
          [`client_connect 2.${MAC.toUpperCase()}`, 'edge-1'],
          [`client_disconnect 1.${MAC.toUpperCase()}`, 'edge-0'],
        ],
      );
    } finally {
      answer = prev;
    }
  });
});

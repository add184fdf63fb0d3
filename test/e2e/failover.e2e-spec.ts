import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  OriginServer,
  TetherCluster,
  TetherProcess,
  countSince,
  curl,
  literal,
  patternBytes,
  sha256,
  viaProxy,
  waitFor,
  waitForOutputSince,
} from '@tether/testing';

const MIB = 1 << 20;

/** One GET through the gateway; true when it reached the device's origin and came back 200. */
async function reachable(port: number, mac: string, path = '/ping'): Promise<boolean> {
  const r = await viaProxy(port, `http://${mac}${path}`, { timeoutMs: 3000 });
  return r.status === 200 && r.body.toString() === `GET ${path}`;
}

describe('failover: takeover, dead edge, Redis restart, graceful edge stop', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let originB: OriginServer;

  before(async () => {
    // drain_deadline 0: SIGTERM closes every device connection at once (the hard stop; the drain has its own e2e).
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { drain_deadline: 0 } });
    origin = await OriginServer.start();
    originB = await OriginServer.start();
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
    await originB?.close();
  });

  const edgePort = (i: number) => cluster.edges[i].clientPort;
  /** Waits until requests for `mac` reach `served` (takeovers may still be settling). */
  const untilServedBy = (served: OriginServer, mac: string) =>
    waitFor(
      async () => {
        const before = served.requests;
        return (await reachable(cluster.userPort, mac)) && served.requests === before + 1;
      },
      10_000,
      'requests to reach the newest connection',
    );
  /** The agent's "connected to <edge i>" line (the trailing space keeps port 1234 from matching 12345). */
  const connectedTo = (i: number) => literal(`connected to 127.0.0.1:${edgePort(i)} `);

  it('a second connection of the same device on another edge wins; the older one is closed', async () => {
    const mac = '00408c2a0001';
    const cert = await cluster.pki.deviceCert(mac);
    const a = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', origin.url]);
    assert.match(a.output, connectedTo(0));
    assert.ok(await reachable(cluster.userPort, mac), 'device A answers before the takeover');
    assert.equal(originB.requests, 0);

    const edge0 = cluster.edges[0].proc;
    const edge0Mark = edge0.output.length;
    const aMark = a.output.length;
    const b = await cluster.agent(['--servers', cluster.servers([1]), '--cert', cert, '--target', originB.url]);
    assert.match(b.output, connectedTo(1));

    // The order O3C promises: B accepted -> edge 0 closes A as displaced -> A sees the drop.
    await waitForOutputSince(edge0, edge0Mark, /disconnected: (a newer connection of the same device took over|replaced)/, 5000);
    await waitForOutputSince(a, aMark, literal(`${mac}: disconnected from 127.0.0.1:${edgePort(0)}`), 5000);
    // A would now reconnect and take over in turn (a real device does too); it is switched off instead.
    await a.stop('SIGKILL');

    // If A got back in before it died, B is displaced once more and reconnects: allow that to settle.
    await untilServedBy(originB, mac);
    const [aBefore, bBefore] = [origin.requests, originB.requests];
    for (let i = 0; i < 5; i++) assert.ok(await reachable(cluster.userPort, mac, `/after/${i}`), `request ${i}`);
    assert.equal(originB.requests, bBefore + 5, 'every request reached the newest connection (B)');
    assert.equal(origin.requests, aBefore, 'none reached the displaced connection (A)');
    await b.stop();
  });

  it('a SIGKILLed edge: the device reconnects to the next server and is reachable through the same gateway', async () => {
    const mac = '00408c2a0002';
    const cert = await cluster.pki.deviceCert(mac);
    const agent = await cluster.agent(['--servers', cluster.servers([0, 1]), '--cert', cert, '--target', origin.url]);
    assert.match(agent.output, connectedTo(0));
    const get1MiB = () => curl(['-x', cluster.proxy, '--fail', '--max-time', '5', `http://${mac}/bytes/${MIB}`]);
    const first = await get1MiB();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(sha256(first.stdout), sha256(patternBytes(MIB)));

    const mark = agent.output.length;
    const killedAt = Date.now();
    await cluster.edges[0].proc.stop('SIGKILL');
    try {
      await waitForOutputSince(agent, mark, connectedTo(1), 15_000);
      const body = await waitFor<Buffer | undefined>(
        async () => {
          const r = await get1MiB();
          return r.code === 0 ? r.stdout : undefined;
        },
        Math.max(1, 15_000 - (Date.now() - killedAt)),
        '1 MiB GET through the gateway after failover',
      );
      assert.equal(body?.length, MIB);
      assert.equal(sha256(body!), sha256(patternBytes(MIB)), 'byte for byte');
      assert.ok(Date.now() - killedAt < 15_000);
    } finally {
      await agent.stop();
      await cluster.startEdge(0);
    }
  });

  it('Redis restarted empty: edges re-announce within a heartbeat, devices stay connected', async () => {
    const mac = '00408c2a0003';
    const cert = await cluster.pki.deviceCert(mac);
    const agent = await cluster.agent(['--servers', cluster.servers([0, 1]), '--cert', cert, '--target', origin.url]);
    assert.ok(await reachable(cluster.userPort, mac));

    const mark = agent.output.length;
    await cluster.redis.stop();
    await cluster.redis.restart();
    const restartedAt = Date.now();
    // presence_ttl 6 s -> a heartbeat every 2 s: healed within one (edges re-announce once Redis is back).
    await waitFor(() => reachable(cluster.userPort, mac), 2000, 'device reachable after the Redis restart');
    const healedMs = Date.now() - restartedAt;
    assert.ok(healedMs < 2000, `healed in ${healedMs} ms`);
    assert.equal(countSince(agent, mark, /connected to |disconnected from /), 0, 'no reconnect:\n' + agent.output.slice(mark));
    await agent.stop();
  });

  it('SIGTERM of the edge holding devices: they reconnect elsewhere and presence never names the stopped edge', async () => {
    const first = '00408c2a0400';
    const macs = Array.from({ length: 5 }, (_, i) => (parseInt(first, 16) + i).toString(16).padStart(12, '0'));
    const agent = await cluster.agent(
      ['--servers', cluster.servers([0, 1]), '--count', '5', '--mac', first, '--issue-from', cluster.pki.dispatcherDir, '--target', origin.url],
      5,
    );
    assert.equal(agent.count(connectedTo(0)), 5, agent.output);
    for (const mac of macs) assert.ok(await reachable(cluster.userPort, mac), mac);

    const edge0: TetherProcess = cluster.edges[0].proc;
    const mark = agent.output.length;
    const stoppedAt = Date.now();
    await edge0.stop('SIGTERM');
    try {
      // stop() falls back to SIGKILL after 5 s: a clean shutdown is well within that.
      assert.ok(Date.now() - stoppedAt < 4000, 'the edge shut down by itself');
      assert.equal(edge0.count(/disconnected: server shutting down/), 5, edge0.output);
      // From the moment the edge is gone, the gateway answers 404 (device between edges) or 200, never
      // 502 "Edge unreachable", which would mean presence still pointed at the stopped edge.
      const seen = new Set<string>();
      for (const mac of macs) {
        await waitFor(
          async () => {
            const r = await viaProxy(cluster.userPort, `http://${mac}/ping`, { timeoutMs: 3000 });
            seen.add(`${r.status} ${r.body.toString().trim()}`);
            return r.status === 200;
          },
          5000,
          `${mac} reachable on edge 1`,
        );
      }
      const movedMs = Date.now() - stoppedAt;
      assert.deepEqual([...seen].filter((x) => !/^(200|404) /.test(x)), [], 'only 404 and 200 while the devices moved');
      assert.ok(movedMs < 6000, `moved in ${movedMs} ms`);
      assert.equal(countSince(agent, mark, connectedTo(1)), 5, agent.output.slice(mark));
      // Never back on the stopping edge: its listener closed together with the sessions.
      assert.equal(countSince(agent, mark, connectedTo(0)), 0, agent.output.slice(mark));
    } finally {
      await agent.stop();
      await cluster.startEdge(0);
    }
  });

  it('a second connection of the same device on the same edge replaces the first', async () => {
    const mac = '00408c2a0005';
    const cert = await cluster.pki.deviceCert(mac);
    const a = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', origin.url]);
    const edge0 = cluster.edges[0].proc;
    const [edge0Mark, aMark] = [edge0.output.length, a.output.length];
    const b = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', originB.url]);
    await waitForOutputSince(edge0, edge0Mark, /disconnected: replaced by a newer connection of the same device/, 5000);
    await waitForOutputSince(a, aMark, literal(`${mac}: disconnected from 127.0.0.1:${edgePort(0)}`), 5000);
    await a.stop('SIGKILL');
    await untilServedBy(originB, mac);
    const aBefore = origin.requests;
    for (let i = 0; i < 3; i++) assert.ok(await reachable(cluster.userPort, mac, `/same/${i}`));
    assert.equal(origin.requests, aBefore, 'none reached the replaced connection');
    await b.stop();
  });
});

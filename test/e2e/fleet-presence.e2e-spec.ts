import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { OriginServer, TetherCluster, literal, viaProxy, waitFor } from '@tether/testing';

/**
 * A new connection to the gateway for every request: what is tested is how the gateway routes a request,
 * not how long a kept-alive user connection stays bound to a device's stream.
 */
const fresh = new http.Agent({ keepAlive: false });

/** One GET through the gateway: its status and which origin answered. */
async function get(port: number, mac: string, path: string): Promise<{ status: number; body: string }> {
  const r = await viaProxy(port, `http://${mac}${path}`, { timeoutMs: 3000, agent: fresh });
  return { status: r.status, body: r.body.toString() };
}

describe('gateway presence: local cache with pub/sub invalidation, dead edges', () => {
  let cluster: TetherCluster;
  let originA: OriginServer;
  let originB: OriginServer;

  before(async () => {
    // Long claim TTL and cache TTL: only invalidations and the edge liveness key can make these tests pass.
    cluster = await TetherCluster.start({
      edges: 2,
      edgeConfig: { presence_ttl: 60, edge_ttl: 3 },
      gatewayConfig: { presence_ttl: 60, presence_cache_ttl: 60 },
    });
    originA = await OriginServer.start();
    originB = await OriginServer.start();
  });
  after(async () => {
    await cluster?.stop();
    await originA?.close();
    await originB?.close();
  });

  const connectedTo = (i: number) => literal(`connected to 127.0.0.1:${cluster.edges[i].clientPort} `);

  it('a device that moves from edge A to edge B is routed to B at once by a gateway that had cached A', async () => {
    const mac = '00408c3b0001';
    const cert = await cluster.pki.deviceCert(mac);
    // A stays away once displaced (a long reconnect jitter), so B keeps the device.
    const a = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', originA.url, '--reconnect-jitter', '60000']);
    for (let i = 0; i < 3; i++) assert.deepEqual(await get(cluster.userPort, mac, `/a/${i}`), { status: 200, body: `GET /a/${i}` });
    const servedByA = originA.requests;

    const b = await cluster.agent(['--servers', cluster.servers([1]), '--cert', cert, '--target', originB.url]);
    assert.match(b.output, connectedTo(1));
    // The very first request after B was accepted goes to B (the cached record of A was invalidated).
    assert.deepEqual(await get(cluster.userPort, mac, '/b/0'), { status: 200, body: 'GET /b/0' });
    assert.equal(originB.requests, 1);
    assert.equal(originA.requests, servedByA, 'nothing more reached A');
    await a.stop();
    await b.stop();
  });

  it('a kept-alive user connection follows a device that moved to another edge between two requests', async () => {
    const mac = '00408c3b0003';
    const cert = await cluster.pki.deviceCert(mac);
    const kept = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', originA.url, '--reconnect-jitter', '60000']);
      const first = await viaProxy(cluster.userPort, `http://${mac}/k/0`, { timeoutMs: 3000, agent: kept });
      assert.equal(first.body.toString(), 'GET /k/0');
      const b = await cluster.agent(['--servers', cluster.servers([1]), '--cert', cert, '--target', originB.url]);
      assert.match(b.output, connectedTo(1));
      // Same user connection: its stream to edge A died with the device's connection there.
      const second = await viaProxy(cluster.userPort, `http://${mac}/k/1`, { timeoutMs: 5000, agent: kept });
      assert.equal(second.status, 200, second.body.toString());
      assert.equal(second.body.toString(), 'GET /k/1');
      await a.stop();
      await b.stop();
    } finally {
      kept.destroy();
    }
  });

  it('the devices of a SIGKILLed edge are offline within edge_ttl, long before their claims expire', async () => {
    const mac = '00408c3b0003';
    const cert = await cluster.pki.deviceCert(mac);
    // Only edge 0 in its list: the device cannot move, it must simply read as offline.
    const a = await cluster.agent(['--servers', cluster.servers([0]), '--cert', cert, '--target', originA.url]);
    assert.equal((await get(cluster.userPort, mac, '/x')).status, 200);
    const killedAt = Date.now();
    await cluster.edges[0].proc.stop('SIGKILL');
    try {
      // edge_ttl 3 s (+ the gateway's 1 s liveness cache); the claim itself would live 60 s.
      await waitFor(async () => (await get(cluster.userPort, mac, '/z')).status === 404, 6000, 'device offline');
      assert.ok(Date.now() - killedAt < 6000);
    } finally {
      await a.stop();
      await cluster.startEdge(0);
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { OriginServer, TetherCluster, viaProxy } from '@tether/testing';

const MAC = '00408c6e0001';

/**
 * Starts a request and slams the connection shut, as a load generator does when its time is up: a GET,
 * or an upload cut off mid-body (the device is then waiting for the rest of it).
 */
function abandon(port: number, path: string, afterMs: number, upload = false): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      if (upload) s.write(`POST ${path} HTTP/1.1\r\nHost: ${MAC}\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
      else s.write(`GET ${path} HTTP/1.1\r\nHost: ${MAC}\r\n\r\n`);
      setTimeout(() => s.resetAndDestroy(), afterMs);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
}

describe('requests the user abandons, and connections the device web server closes', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 1 });
    origin = await OriginServer.start();
    // Idle keep-alive connections to the web server close quickly, as on many cameras.
    origin.server.keepAliveTimeout = 100;
    // Four request slots: a leaked slot shows at once.
    await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(MAC), '--target', origin.url, '--max-conn', '4']);
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  it('abandoned requests give their device slots back', async () => {
    for (let round = 0; round < 5; round++) {
      // Abandoned at once (before the gateway forwards), and a little later (while the device answers).
      // Some leave before the gateway has found the device, some while the device answers.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => abandon(cluster.userPort, `http://${MAC}/bytes/${1 << 20}`, i % 4)),
      );
    }
    // Uploads cut off after the device has started on them: more than the device has slots.
    await Promise.all(Array.from({ length: 8 }, () => abandon(cluster.userPort, `http://${MAC}/sha256`, 300, true)));
    // request_timeout is 30 s: a slot held by an abandoned request would make this wait that long.
    const r = await viaProxy(cluster.userPort, `http://${MAC}/bytes/1000`, { timeoutMs: 10_000 });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 1000);
    const parallel = await Promise.all(Array.from({ length: 8 }, () => viaProxy(cluster.userPort, `http://${MAC}/bytes/10`, { timeoutMs: 10_000 })));
    assert.deepEqual(parallel.map((p) => p.status), Array(8).fill(200));
  });

  it('a stream the user abandons mid-body frees its slot although unread data sits in the tunnel', async () => {
    for (let round = 0; round < 12; round++) {
      // More streams than slots, each cut off while the device is still sending.
      await Promise.all(Array.from({ length: 6 }, () => abandon(cluster.userPort, `http://${MAC}/stream/${1 << 30}`, 150)));
      const r = await viaProxy(cluster.userPort, `http://${MAC}/bytes/100`, { timeoutMs: 8000 });
      assert.equal(r.status, 200, `round ${round}`);
    }
  });

  it('a kept-alive connection the web server closed is not reused for the next request', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await viaProxy(cluster.userPort, `http://${MAC}/n/${i}`, { timeoutMs: 10_000 });
      assert.equal(r.status, 200, `request ${i}`);
      assert.equal(r.body.toString(), `GET /n/${i}`);
      // Longer than the web server's keep-alive timeout: the channel it used is closed by now.
      await new Promise((res) => setTimeout(res, 200));
    }
  });
});

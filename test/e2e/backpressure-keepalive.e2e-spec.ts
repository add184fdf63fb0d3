import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { OriginServer, TetherCluster, TetherProcess, viaProxy, waitFor } from '@tether/testing';

const SLOW = '00408c3c0001';
const HUNG = '00408c3c0002';

describe('back-pressure and keepalive', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let hungAgent: TetherProcess;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 1 });
    origin = await OriginServer.start();
    await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(SLOW), '--target', origin.url]);
    hungAgent = await cluster.agent([
      '--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(HUNG), '--target', origin.url, '--keepalive', '1',
    ]);
  });
  after(async () => {
    if (hungAgent?.pid) process.kill(hungAgent.pid, 'SIGCONT');
    await cluster?.stop();
    await origin?.close();
  });

  it('a reader that stops reading holds the device back: no hop buffers the stream', async () => {
    const total = 1 << 30;
    const req = http.request({ host: '127.0.0.1', port: cluster.userPort, path: `http://${SLOW}/stream/${total}` });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    await new Promise((r) => setTimeout(r, 2000));
    const held = origin.streamed;
    // Socket buffers, the gRPC window and the SSH window hold a few MiB each; without back-pressure
    // the whole GiB would have been pulled from the device by now.
    assert.ok(held < 64 << 20, `origin pushed ${held} bytes while nobody read`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(origin.streamed - held < 1 << 20, 'the stream stays stalled while the reader is paused');
    let read = 0;
    res.on('data', (c: Buffer) => {
      read += c.length;
      if (read > 32 << 20) res.destroy();
    });
    res.resume();
    await waitFor(() => read > 32 << 20, 20_000, 'the stream to flow again');
    assert.ok(origin.streamed > held, 'reading resumed the device');
  });

  it('a device that stops answering (no FIN, no RST) is dropped by SSH keepalive and its presence cleaned', async () => {
    assert.equal((await viaProxy(cluster.userPort, `http://${HUNG}/ping`)).status, 200);
    // SIGSTOP: the agent's sockets stay open but nothing answers, as with a device that lost power behind NAT.
    process.kill(hungAgent.pid!, 'SIGSTOP');
    const edge = cluster.edges[0].proc;
    await edge.waitForOutput(new RegExp(`\\[client 1\\.${HUNG}@[^\\]]+\\] disconnected`), 20_000);
    const r = await viaProxy(cluster.userPort, `http://${HUNG}/ping`);
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), `Request failed. (Reason: Device ${HUNG} is not connected.)\n`);
    // The other device was never affected.
    assert.equal((await viaProxy(cluster.userPort, `http://${SLOW}/ping`)).status, 200);
  });
});

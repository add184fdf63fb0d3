import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { OriginServer, RawHttpConnection, TetherCluster, curl, patternBytes, sha256, viaProxy } from '@tether/testing';

const MAC_A = '00408c2b0001'; // edge 0, web server "A"
const MAC_B = '00408c2b0002'; // edge 1, web server "B"
const MAC_C = '00408c2b0003'; // edge 0, web server "C": its own, so its TCP connections can be counted

const o3c = (reason: string) => `Request failed. (Reason: ${reason}.)\n`;
const get = (mac: string, path: string, ...headers: string[]) => [`GET http://${mac}${path} HTTP/1.1`, `Host: ${mac}`, ...headers, '', ''].join('\r\n');
/** A user connection of its own for each request. */
const fresh = () => new http.Agent({ keepAlive: false });

/** One request through the proxy on `agent`; also tells which local port (user connection) carried it. */
function request(port: number, agent: http.Agent, url: string): Promise<{ status: number; body: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, agent, timeout: 15_000 });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const localPort = res.socket.localPort ?? -1;
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, localPort }));
    });
    req.end();
  });
}

describe('proxy relay: framing, pipelining and keep-alive (gateway -> Link -> edge -> pooled SSH channel -> origin)', () => {
  let cluster: TetherCluster;
  let originA: OriginServer;
  let originB: OriginServer;
  let originC: OriginServer;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    [originA, originB, originC] = await Promise.all(['A', 'B', 'C'].map((label) => OriginServer.start({ label })));
    // Idle device connections stay open for the whole file: a new one means the pool did not reuse it.
    for (const o of [originA, originB, originC]) o.server.keepAliveTimeout = 120_000;
    const [certA, certB, certC] = await Promise.all([MAC_A, MAC_B, MAC_C].map((m) => cluster.pki.deviceCert(m)));
    await Promise.all([
      cluster.agent(['--servers', cluster.servers([0]), '--cert', certA, '--target', originA.url]),
      cluster.agent(['--servers', cluster.servers([1]), '--cert', certB, '--target', originB.url]),
      cluster.agent(['--servers', cluster.servers([0]), '--cert', certC, '--target', originC.url]),
    ]);
  });
  after(async () => {
    await cluster?.stop();
    await Promise.all([originA, originB, originC].map((o) => o?.close()));
  });

  it('three GETs written at once on one connection are answered in order', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(get(MAC_A, '/bytes/100000') + get(MAC_A, '/whoami?n=2') + get(MAC_A, '/third'));
      const r1 = await conn.readResponse();
      const r2 = await conn.readResponse();
      const r3 = await conn.readResponse();
      assert.deepEqual([r1.status, r2.status, r3.status], [200, 200, 200]);
      assert.equal(sha256(r1.body), sha256(patternBytes(100000)));
      assert.equal(r2.body.toString(), 'A /whoami?n=2');
      assert.equal(r3.body.toString(), 'GET /third');
      assert.equal(conn.closed, false);
    } finally {
      conn.close();
    }
  });

  it('one keep-alive connection alternating between two devices on different edges: 20 requests, each answered by the right device', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const [mac, label] = i % 2 ? [MAC_B, 'B'] : [MAC_A, 'A'];
        const r = await request(cluster.userPort, agent, `http://${mac}/whoami?i=${i}`);
        assert.equal(r.status, 200, `request ${i}: ${r.body}`);
        assert.equal(r.body, `${label} /whoami?i=${i}`);
        ports.add(r.localPort);
      }
      assert.equal(ports.size, 1, 'one user connection carried all 20 requests');
    } finally {
      agent.destroy();
    }
  });

  // /bytes/N answers with a Content-Length, so the device keeps its connection open after an
  // HTTP/1.0 request too (the gateway asks it to): only the gateway decides when the user's closes.
  it('HTTP/1.0 without keep-alive: answered, then the connection is closed', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(`GET http://${MAC_A}/bytes/1000 HTTP/1.0\r\n\r\n`);
      const r = await conn.readResponse();
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(patternBytes(1000)));
      assert.equal(await conn.waitClosed(3000), true, 'the gateway closes an HTTP/1.0 connection without keep-alive');
    } finally {
      conn.close();
    }
  });

  it('HTTP/1.0 with Connection: keep-alive: the connection is kept for the next request', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(`GET http://${MAC_A}/bytes/1000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
      const r1 = await conn.readResponse();
      assert.equal(r1.status, 200);
      assert.ok(r1.body.equals(patternBytes(1000)));
      assert.equal(await conn.waitClosed(500), false, 'kept open');
      conn.write(`GET http://${MAC_A}/bytes/2000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
      assert.ok((await conn.readResponse()).body.equals(patternBytes(2000)));
    } finally {
      conn.close();
    }
  });

  it('HTTP/1.0 answered with a body delimited by the close: the whole body, then the close', async () => {
    // node:http answers `res.end(text)` to HTTP/1.0 without a Content-Length, closing after it.
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(`GET http://${MAC_A}/ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
      const r = await conn.readResponse();
      assert.equal(r.headers['content-length'], undefined);
      assert.equal(r.body.toString(), 'GET /ten');
    } finally {
      conn.close();
    }
  });

  it('an upload with Expect: 100-continue (curl -x, 3 MiB) gets the 100 from the device and arrives intact', async () => {
    const body = patternBytes(3 << 20);
    const r = await curl(
      ['-x', cluster.proxy, '-v', '--fail', '--expect100-timeout', '15', '--data-binary', '@-', '-H', 'Content-Type: application/octet-stream', `http://${MAC_A}/sha256`],
      { input: body, timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^> Expect: 100-continue\r?$/m, 'curl asked for a 100 Continue');
    assert.match(r.stderr, /^< HTTP\/1\.1 100 Continue\r?$/m, 'the 100 Continue came through the proxy');
    assert.equal(r.stdout.toString(), `${body.length} ${sha256(body)}`);
  });

  it('an unasked interim 100 Continue is passed on, and the final answer follows it', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(get(MAC_A, '/interim'));
      const interim = await conn.readResponse(10_000, { noBody: true });
      assert.equal(interim.status, 100);
      const final = await conn.readResponse();
      assert.equal(final.status, 200);
      assert.equal(final.body.toString(), 'after 100');
    } finally {
      conn.close();
    }
  });

  it('a device answering a malformed response: 502 "Device sent a malformed response" in the O3C form; the device serves the next request', async () => {
    const bad = await viaProxy(cluster.userPort, `http://${MAC_A}/malformed`, { agent: fresh(), timeoutMs: 15_000 });
    assert.equal(bad.status, 502);
    assert.match(String(bad.headers['content-type']), /^text\/plain/);
    assert.equal(bad.body.toString(), o3c('Device sent a malformed response'));
    const next = await viaProxy(cluster.userPort, `http://${MAC_A}/whoami?after=malformed`, { agent: fresh() });
    assert.equal(next.status, 200);
    assert.equal(next.body.toString(), 'A /whoami?after=malformed');
  });

  it('101 Switching Protocols: the connection becomes a raw tunnel to the device both ways', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(get(MAC_A, '/ws', 'Connection: Upgrade', 'Upgrade: echo'));
      const r = await conn.readResponse(10_000, { noBody: true });
      assert.equal(r.status, 101);
      assert.equal(r.headers.upgrade, 'echo');
      for (const msg of ['hello', 'GET http://not-parsed/ HTTP/1.1\r\n\r\n', 'x'.repeat(100_000)]) {
        conn.write(msg);
        assert.equal((await conn.readBytes(msg.length)).toString(), msg);
      }
    } finally {
      conn.close();
    }
  });

  it('a user Connection: close gets its answer and then the close; the device connection behind it goes back to the pool and is reused', async () => {
    const warm = await viaProxy(cluster.userPort, `http://${MAC_C}/warm`, { agent: fresh() });
    assert.equal(warm.body.toString(), 'GET /warm');
    const before = originC.connections;

    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(get(MAC_C, '/headers', 'Connection: close'));
      const r = await conn.readResponse();
      assert.equal(r.status, 200);
      const seen = JSON.parse(r.body.toString()) as { url: string; headers: string[] };
      assert.equal(seen.url, '/headers');
      const names = seen.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      assert.ok(!names.includes('connection'), `the device got no Connection header: ${JSON.stringify(seen.headers)}`);
      assert.equal(await conn.waitClosed(3000), true, 'the user connection is closed after the answer');
    } finally {
      conn.close();
    }

    for (let i = 0; i < 3; i++) {
      const again = await viaProxy(cluster.userPort, `http://${MAC_C}/whoami?again=${i}`, { agent: fresh() });
      assert.equal(again.body.toString(), `C /whoami?again=${i}`);
    }
    assert.equal(originC.connections, before, 'no new connection to the device web server: the pooled one was reused');
  });

  it('a user that pipelines requests for two devices and half-closes gets both answers', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(get(MAC_A, '/whoami?half=1') + get(MAC_B, '/whoami?half=2'));
      conn.socket.end();
      assert.equal((await conn.readResponse(5000)).body.toString(), 'A /whoami?half=1');
      assert.equal((await conn.readResponse(5000)).body.toString(), 'B /whoami?half=2');
    } finally {
      conn.close();
    }
  });
});

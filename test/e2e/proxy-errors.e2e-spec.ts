import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  OriginServer,
  RawHttpConnection,
  TetherCluster,
  TetherProcess,
  curl,
  patternBytes,
  sha256,
  viaProxy,
} from '@tether/testing';

const MAC_A = '00408c1a0101'; // edge 0
const MAC_B = '00408c1a0102'; // edge 1, another agent
const MAC_K = '00408c1a0103'; // edge 0, its agent is killed in the middle of a download
const MAC_E = '00408c1a0104'; // on the edge that is killed
const MAC_F = '00408c1a0105'; // on the edge that is frozen
const UNKNOWN = '00408c1a01ff';

/** The exact O3C failure body for `reason` (without the final dot). */
const o3c = (reason: string) => `Request failed. (Reason: ${reason}.)\n`;
/** The O3C form with any reason, for the checks that also match the reason separately. */
const O3C_FORM = /^Request failed\. \(Reason: [^\n]*[^.\n]\.\)\n$/;

function assertFailure(
  r: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer },
  status: number,
  reason: string | RegExp,
): void {
  const body = r.body.toString();
  assert.equal(r.status, status, `status (body ${JSON.stringify(body)})`);
  assert.match(String(r.headers['content-type']), /^text\/plain\b/);
  assert.match(body, O3C_FORM);
  if (typeof reason === 'string') assert.equal(body, o3c(reason));
  else assert.match(body.slice('Request failed. (Reason: '.length, -'.)\n'.length), reason);
}

/** A timer that rejects, to bound any wait on the product. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms} ms`)), ms))),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A user connection of its own: a kept-alive one may still carry the previous response, whose last
 * gRPC frame a killed or frozen edge never sends, and HTTP/1.1 cannot answer past it.
 */
const fresh = () => new http.Agent({ keepAlive: false });

describe('proxy errors (gateway -> gRPC -> edge -> agent -> origin)', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let agentA: TetherProcess;
  let agentK: TetherProcess;

  before(async () => {
    // request_timeout = 2 makes the timeout cases quick; /bytes answers at once, so nothing else feels it.
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { request_timeout: 2 }, gatewayConfig: { request_timeout: 2 } });
    origin = await OriginServer.start();
    const [certA, certB, certK] = await Promise.all([MAC_A, MAC_B, MAC_K].map((m) => cluster.pki.deviceCert(m)));
    const target = ['--target', origin.url];
    [agentA, , agentK] = await Promise.all([
      cluster.agent(['--servers', cluster.servers([0]), '--cert', certA, ...target]),
      cluster.agent(['--servers', cluster.servers([1]), '--cert', certB, ...target]),
      cluster.agent(['--servers', cluster.servers([0]), '--cert', certK, ...target]),
    ]);
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  it('unknown MAC: 404 "Device <mac> is not connected", and the same user connection serves the next request', async () => {
    const conn = await RawHttpConnection.connect(cluster.userPort);
    try {
      conn.write(`GET http://${UNKNOWN.toUpperCase()}/x HTTP/1.1\r\nHost: ${UNKNOWN}\r\n\r\n`);
      const r = await conn.readResponse();
      assertFailure(r, 404, `Device ${UNKNOWN} is not connected`);
      assert.notEqual(r.headers.connection?.toLowerCase(), 'close');

      conn.write(`GET http://${MAC_A}/after-404 HTTP/1.1\r\nHost: ${MAC_A}\r\n\r\n`);
      const r2 = await conn.readResponse();
      assert.equal(r2.status, 200);
      assert.equal(r2.body.toString(), 'GET /after-404');
      assert.equal(conn.closed, false, 'the keep-alive connection is still open');
    } finally {
      conn.close();
    }
  });

  it('malformed requests: 400 in the O3C form, and none reaches a device', async () => {
    const before = origin.requests;

    // origin-form, as if the proxy were the web server
    const c1 = await RawHttpConnection.connect(cluster.userPort);
    try {
      c1.write(`GET / HTTP/1.1\r\nHost: ${cluster.proxy}\r\n\r\n`);
      assertFailure(await c1.readResponse(), 400, /absolute URL/);
    } finally {
      c1.close();
    }

    // a host that is not a MAC
    assertFailure(await viaProxy(cluster.userPort, 'http://example.com/'), 400, '"example.com" is not a device MAC address');

    // a port other than 80
    assertFailure(await viaProxy(cluster.userPort, `http://${MAC_A}:8080/x`), 400, 'Port 8080 is not reachable through the proxy');

    // not HTTP at all: answered, then the connection is closed
    const c2 = await RawHttpConnection.connect(cluster.userPort);
    try {
      c2.write('hello\r\n\r\n');
      assertFailure(await c2.readResponse(), 400, 'Malformed request');
      assert.equal(await c2.waitClosed(3000), true, 'the gateway closes a connection that spoke garbage');
    } finally {
      c2.close();
    }

    assert.equal(origin.requests, before, 'no malformed request reached the device');
  });

  it('CONNECT (and any method O3C does not forward) is refused with 405', async () => {
    const c = await RawHttpConnection.connect(cluster.userPort);
    try {
      c.write(`CONNECT ${MAC_A}:443 HTTP/1.1\r\nHost: ${MAC_A}:443\r\n\r\n`);
      assertFailure(await c.readResponse(), 405, 'Method CONNECT is not supported');
      assert.equal(await c.waitClosed(3000), true, 'no tunnel stays open after a refused CONNECT');
    } finally {
      c.close();
    }
    assertFailure(await viaProxy(cluster.userPort, `http://${MAC_A}/`, { method: 'PROPFIND' }), 405, 'Method PROPFIND is not supported');
  });

  it('oversized request header (40 KiB, max_header_size 16384): 431, and the gateway keeps serving', async () => {
    const c = await RawHttpConnection.connect(cluster.userPort);
    try {
      c.write(`GET http://${MAC_A}/big HTTP/1.1\r\nHost: ${MAC_A}\r\nX-Big: ${'x'.repeat(40 * 1024)}\r\n\r\n`);
      assertFailure(await c.readResponse(), 431, 'Request header too large');
      assert.equal(await c.waitClosed(3000), true);
    } finally {
      c.close();
    }
    const ok = await viaProxy(cluster.userPort, `http://${MAC_A}/after-431`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'GET /after-431');
  });

  it('device does not answer within request_timeout (2 s): 504 after ~2 s', async () => {
    const t0 = Date.now();
    const r = await viaProxy(cluster.userPort, `http://${MAC_A}/hang`, { timeoutMs: 15_000 });
    const elapsed = Date.now() - t0;
    assertFailure(r, 504, `Device ${MAC_A} did not answer within 2 s`);
    assert.ok(elapsed >= 1800 && elapsed <= 4500, `answered after ${elapsed} ms`);
  });

  it('slow upload that outlasts request_timeout (2 s) and the gateway window (5 s): not cut while it progresses', async () => {
    // 13 x 16 KiB, one every 500 ms: ~6.5 s of a firmware upload over a poor uplink.
    const chunk = patternBytes(16 * 1024);
    const n = 13;
    const expected = `${n * chunk.length} ${sha256(Buffer.concat(Array.from({ length: n }, () => chunk)))}`;
    const req = http.request({
      host: '127.0.0.1',
      port: cluster.userPort,
      method: 'POST',
      path: `http://${MAC_A}/sha256`,
      headers: { 'Content-Length': n * chunk.length },
      agent: false,
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('error', reject);
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
    });
    answer.catch(() => undefined); // awaited below; an early answer must not be an unhandled rejection
    try {
      for (let i = 0; i < n && !req.destroyed; i++) {
        req.write(chunk);
        await sleep(500);
      }
      req.end();
      const r = await within(answer, 10_000, 'the slow upload');
      assert.equal(r.status, 200, `a progressing upload was cut: ${r.body}`);
      assert.equal(r.body, expected);
    } finally {
      req.destroy();
    }
  });

  it('origin cuts the response mid-body: the user gets 200 then a short body (curl 18); other devices and the same device keep working', async () => {
    const [drop, other] = await Promise.all([
      curl(['-x', cluster.proxy, '-w', '%{stderr}\ncode=%{http_code}\n', `http://${MAC_A}/drop`], { timeoutMs: 20_000 }),
      curl(['-x', cluster.proxy, '--fail', `http://${MAC_B}/bytes/3000000`], { timeoutMs: 20_000 }),
    ]);
    assert.equal(drop.code, 18, `curl exit code (partial file); stderr: ${drop.stderr}`);
    assert.match(drop.stderr, /code=200\n/);
    // /drop promises 10 MiB and sends 64 KiB: at most that arrives, and it is the right bytes.
    assert.ok(drop.stdout.length > 0 && drop.stdout.length <= 64 * 1024, `received ${drop.stdout.length} bytes`);
    assert.ok(drop.stdout.equals(patternBytes(drop.stdout.length)));

    assert.equal(other.code, 0, other.stderr);
    assert.equal(sha256(other.stdout), sha256(patternBytes(3000000)));

    // Only the origin's HTTP connection died: the device is still connected, on its first connection.
    const again = await curl(['-x', cluster.proxy, '--fail', `http://${MAC_A}/bytes/100000`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(sha256(again.stdout), sha256(patternBytes(100000)));
    assert.equal(agentA.count(/connected to /), 1, 'the device did not reconnect');
  });

  it('agent killed (SIGKILL) during a long download: the response ends with an error promptly; another agent keeps working', async () => {
    const size = 64 << 20;
    let received = 0;
    let res: http.IncomingMessage | undefined;
    let pausedOnce = false;
    let stalled!: () => void;
    const isStalled = new Promise<void>((r) => (stalled = r));
    const req = http.request({ host: '127.0.0.1', port: cluster.userPort, path: `http://${MAC_K}/bytes/${size}`, agent: false });
    const outcome = new Promise<{ status: number; complete: boolean; error?: string }>((resolve) => {
      req.on('error', (err) => resolve({ status: res?.statusCode ?? 0, complete: false, error: err.message }));
      req.on('response', (r) => {
        res = r;
        let error: string | undefined;
        r.on('data', (c: Buffer) => {
          received += c.length;
          if (received >= 1 << 20 && !pausedOnce) {
            // A slow reader: stop reading once, so the transfer is in flight, held by backpressure.
            pausedOnce = true;
            r.pause();
            stalled();
          }
        });
        r.on('error', (err) => (error = err.message));
        r.on('close', () => resolve({ status: r.statusCode ?? 0, complete: r.complete, error }));
      });
    });
    req.end();
    try {
      await within(isStalled, 10_000, 'first MiB of the download');
      await sleep(300);
      // During: a device on another agent answers while the download is stuck in flight.
      const during = await viaProxy(cluster.userPort, `http://${MAC_B}/bytes/100000`, { timeoutMs: 10_000 });
      assert.equal(during.status, 200);
      assert.equal(sha256(during.body), sha256(patternBytes(100000)));

      await agentK.stop('SIGKILL');
      const killedAt = Date.now();
      res!.resume();
      const end = await within(outcome, 15_000, 'the cut download');
      const took = Date.now() - killedAt;
      assert.equal(end.status, 200);
      assert.equal(end.complete, false, 'the response must not look complete');
      assert.ok(received < size, `received ${received} of ${size} bytes`);
      // edge keepalive is 2 s x 3; a killed process's TCP is closed by the kernel, so it is much faster.
      assert.ok(took < 8000, `the response ended ${took} ms after the kill`);
    } finally {
      req.destroy();
    }

    // After: the other device still answers; the killed one is gone.
    const afterB = await viaProxy(cluster.userPort, `http://${MAC_B}/after-kill`);
    assert.equal(afterB.body.toString(), 'GET /after-kill');
    const gone = await viaProxy(cluster.userPort, `http://${MAC_K}/x`);
    assertFailure(gone, 404, `Device ${MAC_K} is not connected`);
  });
});

describe('edge process dies or freezes while presence still names it', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;

  before(async () => {
    // presence_ttl = 30: the dead edge's keys outlive the test, so the gateway must meet a dead gRPC port.
    // request_timeout = 2 on the gateway too: it waits 2 + 3 s for a silent edge before answering 504.
    cluster = await TetherCluster.start({
      edges: 2,
      edgeConfig: { presence_ttl: 30, request_timeout: 2 },
      gatewayConfig: { presence_ttl: 30, request_timeout: 2 },
    });
    origin = await OriginServer.start();
    const [certE, certF] = await Promise.all([MAC_E, MAC_F].map((m) => cluster.pki.deviceCert(m)));
    // One server in each list: a device cannot move to the other edge and change the answer.
    await Promise.all([
      cluster.agent(['--servers', cluster.servers([0]), '--cert', certE, '--target', origin.url]),
      cluster.agent(['--servers', cluster.servers([1]), '--cert', certF, '--target', origin.url]),
    ]);
    // Warm the gateway's gRPC channels to both edges, as in a running cluster.
    for (const mac of [MAC_E, MAC_F]) assert.equal((await viaProxy(cluster.userPort, `http://${mac}/warm`)).body.toString(), 'GET /warm');
  });
  after(async () => {
    const frozen = cluster?.edges[1]?.proc;
    if (frozen?.pid && frozen.running) process.kill(frozen.pid, 'SIGCONT');
    await cluster?.stop();
    await origin?.close();
  });

  it('edge frozen (SIGSTOP): 504 after request_timeout + 3 s instead of a hang; other edges unaffected; it serves again once resumed', async () => {
    const edge = cluster.edges[1].proc;
    process.kill(edge.pid!, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const timed = (mac: string, path: string) =>
        viaProxy(cluster.userPort, `http://${mac}${path}`, { timeoutMs: 15_000, agent: fresh() }).then(
          (r) => ({ r, took: Date.now() - t0 }),
          (err: Error) => {
            throw new Error(`${mac}${path}: ${err.message} after ${Date.now() - t0} ms; gateway log:\n${cluster.gateway.output.slice(-2000)}`);
          },
        );
      const [frozen, other] = await Promise.all([timed(MAC_F, '/while-frozen'), timed(MAC_E, '/while-other-frozen')]);
      assertFailure(frozen.r, 504, 'Edge edge-1 did not answer within 5 s');
      assert.ok(frozen.took >= 4500 && frozen.took <= 8000, `answered after ${frozen.took} ms`);
      assert.equal(other.r.body.toString(), 'GET /while-other-frozen');
      assert.ok(other.took < 2000, `the device on the live edge answered after ${other.took} ms`);
    } finally {
      process.kill(edge.pid!, 'SIGCONT');
    }
    const resumed = await viaProxy(cluster.userPort, `http://${MAC_F}/resumed`, { timeoutMs: 10_000, agent: fresh() });
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.toString(), 'GET /resumed');
  });

  it('edge SIGKILLed: 502 "Edge unreachable" at once, not a hang or a 500', async () => {
    await cluster.edges[0].proc.stop('SIGKILL');
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const r = await viaProxy(cluster.userPort, `http://${MAC_E}/after-edge-death/${i}`, { timeoutMs: 15_000, agent: fresh() });
      const took = Date.now() - t0;
      assertFailure(r, 502, 'Edge unreachable');
      assert.ok(took < 5000, `attempt ${i} answered after ${took} ms`);
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OriginServer, TetherCluster, curl, patternBytes, sha256, viaProxy } from '@tether/testing';

const MAC = '00408c1a0001';
const SIZES = [0, 1 << 20, 64 << 20];

describe('proxy through the cluster (gateway -> gRPC -> edge -> SSH-in-TLS -> agent -> origin)', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    origin = await OriginServer.start();
    const cert = await cluster.pki.deviceCert(MAC);
    await cluster.agent(['--servers', cluster.servers(), '--cert', cert, '--target', origin.url]);
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  for (const size of SIZES) {
    it(`GET of ${size} bytes arrives byte for byte (curl -x)`, async () => {
      const r = await curl(['-x', cluster.proxy, '--fail', `http://${MAC}/bytes/${size}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, size);
      assert.equal(sha256(r.stdout), sha256(patternBytes(size)));
    });

    for (const method of ['POST', 'PUT']) {
      it(`${method} of ${size} bytes is echoed byte for byte (curl -x --data-binary)`, async () => {
        const body = patternBytes(size);
        const r = await curl(
          ['-x', cluster.proxy, '--fail', '-X', method, '--data-binary', '@-', '-H', 'Content-Type: application/octet-stream', `http://${MAC}/echo`],
          { input: body },
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.length, size);
        assert.equal(sha256(r.stdout), sha256(body));
      });
    }
  }

  it('chunked upload of 64 MiB from Node http reaches the device intact', async () => {
    const body = patternBytes(64 << 20);
    const r = await viaProxy(cluster.userPort, `http://${MAC}/sha256`, {
      method: 'POST',
      body,
      headers: { 'Transfer-Encoding': 'chunked' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), `${body.length} ${sha256(body)}`);
  });

  it('chunked download without Content-Length arrives whole', async () => {
    const r = await viaProxy(cluster.userPort, `http://${MAC}/chunked/3000000`);
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body), sha256(patternBytes(3000000)));
  });

  it('HEAD returns the headers of the resource and no body', async () => {
    const r = await curl(['-x', cluster.proxy, '--head', '--fail', `http://${MAC}/bytes/12345`]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /content-length: 12345/i);
  });

  it('accepts the MAC in upper case and with separators', async () => {
    for (const host of [MAC.toUpperCase(), '00-40-8C-1A-00-01']) {
      const r = await viaProxy(cluster.userPort, `http://${host}/hello?x=1`);
      assert.equal(r.status, 200, host);
      assert.equal(r.body.toString(), 'GET /hello?x=1');
    }
  });

  it('keeps the user connection alive across requests', async () => {
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const r = await viaProxy(cluster.userPort, `http://${MAC}/n/${i}`, { agent });
      assert.equal(r.body.toString(), `GET /n/${i}`);
      ports.add(Object.values(agent.freeSockets).flat()[0]?.localPort ?? -1);
    }
    agent.destroy();
    assert.equal(ports.size, 1, 'one user connection carried every request');
  });

  it('forwards every O3C method', async () => {
    for (const method of ['OPTIONS', 'DELETE', 'PATCH', 'TRACE']) {
      const r = await viaProxy(cluster.userPort, `http://${MAC}/m`, { method });
      assert.equal(r.status, 200, method);
      assert.equal(r.body.toString(), `${method} /m`);
    }
  });
});

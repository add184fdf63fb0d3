import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadedCa, createCrl, loadCa, serialOf, setupDispatcherCa } from '@tether/pki';
import { TetherCluster, TetherProcess, curl, freePort, literal, waitFor, waitForOutputSince, writeConfig } from '@tether/testing';

const GOOD = '00408c0c0001';
const REVOKED = '00408c0c0002';
const DAY = 86_400_000;
/** Edges refresh the CRL this often (s): "within the refresh period" below. */
const REFRESH_S = 2;

/** The reference's crl_valid_until form (`Wed Nov 23 07:21:25 2022 GMT`), from Date's own UTC string. */
function referenceTime(ms: number): string {
  const [wd, d, mon, y, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${d.replace(/^0/, '').padStart(2, ' ')} ${time} ${y} GMT`;
}

/** A plain HTTP server in the test: each path serves what the test last put there (404 otherwise). */
class CrlServer {
  readonly bodies = new Map<string, Buffer | number>();
  requests = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<CrlServer> {
    const s: CrlServer = new CrlServer(
      createServer((req, res) => {
        s.requests++;
        const body = s.bodies.get(req.url ?? '');
        if (body === undefined || typeof body === 'number') {
          res.writeHead(body ?? 404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(body);
      }),
    );
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    return s;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('CRLs: edges refuse and drop revoked devices (crl_url, crl_path, crl_mode; metrics.cgi crl_*)', () => {
  let cluster: TetherCluster;
  let crls: CrlServer;
  let ca: LoadedCa;
  let tmp: string;
  let admin = 0;
  let goodCert: string;
  let revokedCert: string;
  let edge: () => TetherProcess;
  const metrics = async () => JSON.parse((await curl(['--fail', `http://127.0.0.1:${admin}/admin/metrics.cgi`])).stdout.toString()) as Record<string, unknown>;
  const edgeAt = (port: number) => `127.0.0.1:${port}`;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tether-crl-e2e-'));
    crls = await CrlServer.start();
    // Nothing served yet: the edge starts without a CRL (soft: it accepts, and retries every REFRESH_S).
    cluster = await TetherCluster.start({
      edges: 1,
      edgeConfig: { crl_url: crls.url('/ca.crl'), crl_path: join(tmp, 'edge-0.crl'), crl_refresh: REFRESH_S, crl_mode: 'soft' },
    });
    edge = () => cluster.edges[0].proc;
    admin = await cluster.startControl();
    ca = await loadCa({ dir: cluster.pki.dispatcherDir, kind: 'dispatcher' });
    goodCert = await cluster.pki.deviceCert(GOOD);
    revokedCert = await cluster.pki.deviceCert(REVOKED);
    const since = edge().output.length;
    crls.bodies.set('/ca.crl', (await createCrl(ca, { revoked: [{ serial: serialOf(cluster.pki.read(revokedCert)), revokedAt: new Date() }], nextUpdate: new Date(Date.now() + DAY), crlNumber: 1 })).der);
    await waitForOutputSince(edge(), since, /CRL loaded from http:\/\/127\.0\.0\.1:\d+\/ca\.crl: 1 revoked, CRL number 1/, 10_000);
  });
  after(async () => {
    await cluster?.stop();
    await crls?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a revoked device is refused at its TLS handshake, with a warning naming its serial and MAC; an unrevoked one connects', async () => {
    const serial = serialOf(cluster.pki.read(revokedCert));
    const since = edge().output.length;
    const revoked = await cluster.agent(['--servers', cluster.servers(), '--cert', revokedCert, '--simulate'], 0);
    await waitForOutputSince(edge(), since, new RegExp(`\\[warning\\].*refused 127\\.0\\.0\\.1:\\d+: device ${REVOKED.toUpperCase()}: certificate serial ${serial} is revoked by the CRL of CN=Test dispatcher CA`));
    await cluster.agent(['--servers', cluster.servers(), '--cert', goodCert, '--simulate']);
    const viaProxy = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${GOOD}/axis-cgi/param.cgi?action=list&group=Brand.Brand`]);
    assert.equal(viaProxy.code, 0, viaProxy.stderr);
    assert.equal(revoked.count(/connected to /), 0, 'the revoked device never got through');
    await revoked.stop();
  });

  it('metrics.cgi shows the CRL nextUpdate in crl_valid_until, in the reference form', async () => {
    const nextUpdate = Date.now() + 3 * DAY;
    const since = edge().output.length;
    crls.bodies.set('/ca.crl', (await createCrl(ca, { revoked: [{ serial: serialOf(cluster.pki.read(revokedCert)), revokedAt: new Date() }], nextUpdate: new Date(nextUpdate), crlNumber: 2 })).der);
    await waitForOutputSince(edge(), since, /CRL loaded from .*CRL number 2/, 10_000);
    const m = await metrics();
    assert.equal(m.crl_valid_until, referenceTime(Math.floor(nextUpdate / 1000) * 1000));
    assert.match(String(m.crl_valid_until), /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \d{4} GMT$/);
  });

  it('a new CRL that revokes a connected device drops it within the refresh period, and it cannot come back', async () => {
    const since = edge().output.length;
    const served = Date.now();
    crls.bodies.set('/ca.crl', (await createCrl(ca, {
      revoked: [cluster.pki.read(revokedCert), cluster.pki.read(goodCert)].map((pem) => ({ serial: serialOf(pem), revokedAt: new Date() })),
      nextUpdate: new Date(Date.now() + DAY),
      crlNumber: 3,
    })).der);
    await waitForOutputSince(edge(), since, new RegExp(`dropping device ${GOOD.toUpperCase()}: certificate serial ${serialOf(cluster.pki.read(goodCert))} is revoked by the new CRL`), 10_000);
    assert.ok(Date.now() - served < (REFRESH_S + 5) * 1000, `dropped after ${Date.now() - served} ms`);
    await waitForOutputSince(edge(), since, new RegExp(`refused 127\\.0\\.0\\.1:\\d+: device ${GOOD.toUpperCase()}: certificate serial`), 15_000);
    const viaProxy = await curl(['-x', cluster.proxy, '-u', 'root:pass', '-o', '/dev/null', '-w', '%{http_code}', `http://${GOOD}/axis-cgi/param.cgi?action=list`]);
    assert.notEqual(viaProxy.stdout.toString(), '200');
  });

  for (const [name, make, logged] of [
    ['a CRL signed by another CA with the same name', async () => {
      const rogueDir = join(tmp, 'rogue');
      await setupDispatcherCa({ dir: rogueDir, keyType: 'ec-p256', name: 'Test dispatcher CA', force: true });
      return (await createCrl(await loadCa({ dir: rogueDir, kind: 'dispatcher' }), { revoked: [], nextUpdate: new Date(Date.now() + DAY) })).der;
    }, /not loaded: not signed by a CA of ca_cert_file \(issuer CN=Test dispatcher CA\)/],
    ['garbage', async () => Buffer.from('this is not a CRL\n'), /not loaded: not a CRL/],
    ['an expired CRL', async () => (await createCrl(ca, { revoked: [], thisUpdate: new Date(Date.now() - 2 * DAY), nextUpdate: new Date(Date.now() - DAY) })).der, /not loaded: expired: its nextUpdate .* has passed/],
    ['an HTTP 500', async () => 500, /not loaded: fetch failed: HTTP 500 Internal Server Error/],
  ] as const) {
    it(`${name} counts in metrics.cgi's crl_load_failures; the edge keeps the CRL in force`, async () => {
      const before = Number((await metrics()).crl_load_failures);
      const since = edge().output.length;
      crls.bodies.set('/ca.crl', await make());
      await waitForOutputSince(edge(), since, new RegExp(logged.source + '.*keeping the CRL in force'), 10_000);
      await waitFor(async () => (Number((await metrics()).crl_load_failures) > before ? true : undefined), 10_000, 'crl_load_failures to grow');
      // Still refusing what the CRL in force revokes.
      const s2 = edge().output.length;
      const again = await cluster.agent(['--servers', cluster.servers(), '--cert', revokedCert, '--simulate'], 0);
      await waitForOutputSince(edge(), s2, literal(`device ${REVOKED.toUpperCase()}: certificate serial`));
      await again.stop();
    });
  }

  it('without a valid CRL, crl_mode = strict refuses every device and soft accepts; strict admits once a CRL loads', async () => {
    crls.bodies.set('/later.crl', Buffer.from('garbage'));
    const edges: Record<'strict' | 'soft', { port: number; proc: TetherProcess }> = {} as never;
    for (const mode of ['strict', 'soft'] as const) {
      const port = await freePort();
      const config = writeConfig(tmp, `edge-${mode}.conf`, {
        stserverid: `edge-${mode}`,
        listen_client: edgeAt(port),
        grpc_listen: edgeAt(await freePort()),
        cert_file: cluster.pki.serverPem,
        ca_cert_file: cluster.pki.dispatcherCa,
        redis_url: cluster.redis.url,
        presence_ttl: 6,
        keepalive: 2,
        loglevel: 4,
        crl_url: crls.url('/later.crl'),
        crl_mode: mode,
        crl_refresh: REFRESH_S,
      });
      const proc = new TetherProcess(['edge', '--config', config]);
      edges[mode] = { port, proc };
      await proc.waitForOutput(/listen_client on/);
      await proc.waitForOutput(/not loaded: not a CRL.*no CRL in force/);
    }
    try {
      const strictDevice = await cluster.agent(['--servers', edgeAt(edges.strict.port), '--cert', await cluster.pki.deviceCert('00408c0c0003'), '--simulate'], 0);
      await edges.strict.proc.waitForOutput(/refused 127\.0\.0\.1:\d+: device 00408C0C0003: no valid CRL \(no CRL loaded; crl_mode = strict\)/);
      assert.equal(strictDevice.count(/connected to /), 0);
      await cluster.agent(['--servers', edgeAt(edges.soft.port), '--cert', await cluster.pki.deviceCert('00408c0c0004'), '--simulate']);
      await strictDevice.stop();

      crls.bodies.set('/later.crl', (await createCrl(ca, { revoked: [], nextUpdate: new Date(Date.now() + DAY) })).der);
      await edges.strict.proc.waitForOutput(/CRL loaded from .*later\.crl: 0 revoked/, 10_000);
      await cluster.agent(['--servers', edgeAt(edges.strict.port), '--cert', await cluster.pki.deviceCert('00408c0c0005'), '--simulate']);
    } finally {
      await Promise.all([edges.strict?.proc.stop(), edges.soft?.proc.stop()]);
    }
  });

  it('a restart without the network still has the CRL cached in crl_path', async () => {
    crls.bodies.set('/ca.crl', 503);
    await edge().stop();
    await cluster.startEdge(0);
    await edge().waitForOutput(/CRL loaded from .*edge-0\.crl: 2 revoked, CRL number 3/);
    await edge().waitForOutput(/CRL from http:\/\/.*\/ca\.crl not loaded: fetch failed: HTTP 503 Service Unavailable \(keeping the CRL in force/);
    const since = edge().output.length;
    const again = await cluster.agent(['--servers', cluster.servers(), '--cert', revokedCert, '--simulate'], 0);
    await waitForOutputSince(edge(), since, literal(`device ${REVOKED.toUpperCase()}: certificate serial`));
    await again.stop();
  });
});

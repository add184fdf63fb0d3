import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { LoadedCa, createCrl, loadCa, mintDeviceCredentials, serialOf } from '@tether/pki';
import { HandshakeResult, LOG_LEVELS, Logger, TetherMetrics, noopMetrics, systemClock } from '@tether/telemetry';
import { TestPki } from '@tether/testing';
import type { EdgeDeps } from '../edge.deps';
import type { DeviceSession } from '../sessions/device-session';
import type { EdgeClusterMember } from '../status/edge-cluster.member';
import { CrlService } from './crl.service';

const DAY = 86_400_000;

/** Just what CrlService uses of a session. */
function fakeSession(mac: string) {
  const s = { mac, logCtx: { client: `1.${mac}@127.0.0.1:1` }, closed: '', handlers: [] as Array<() => void> };
  return Object.assign(s, {
    close(reason: string) {
      s.closed = reason;
      for (const h of s.handlers) h();
    },
    onClose(fn: () => void) {
      s.handlers.push(fn);
    },
  });
}
const socketOf = (certPem: string) => ({ getPeerX509Certificate: () => new X509Certificate(certPem) }) as unknown as tls.TLSSocket;

describe('CrlService: refuse at TLS, catch a CRL loaded mid-handshake, drop on a new CRL', () => {
  let pki: TestPki;
  let ca: LoadedCa;
  let dir: string;
  let revoked: { certPem: string };
  let good: { certPem: string };
  before(async () => {
    pki = await TestPki.create();
    ca = await loadCa({ dir: pki.dispatcherDir, kind: 'dispatcher' });
    dir = mkdtempSync(join(tmpdir(), 'crl-service-'));
    revoked = await mintDeviceCredentials(ca, '00408c5c0001');
    good = await mintDeviceCredentials(ca, '00408c5c0002');
  });
  after(() => {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeCrl = async (path: string, certs: string[], thisUpdate = new Date()) =>
    writeFileSync(path, (await createCrl(ca, { revoked: certs.map((c) => ({ serial: serialOf(c), revokedAt: new Date() })), thisUpdate, nextUpdate: new Date(Date.now() + DAY) })).pem);

  async function service(crlPath: string, mode = 'soft') {
    const config = parseConfig(
      [`listen_client = 127.0.0.1:0`, `cert_file = ${pki.serverPem}`, `ca_cert_file = ${pki.dispatcherCa}`, `crl_path = ${crlPath}`, `crl_mode = ${mode}`].join('\n'),
      'edge.conf',
      { env: {} },
    );
    const lines: string[] = [];
    const handshakes: HandshakeResult[] = [];
    const metrics: TetherMetrics = { ...noopMetrics, deviceHandshake: (r) => void handshakes.push(r) };
    const totals: Array<() => Record<string, number>> = [];
    const gauges: Array<() => Record<string, number>> = [];
    const member = { node: { countTotals: (f: () => Record<string, number>) => totals.push(f), gauge: (f: () => Record<string, number>) => gauges.push(f) } } as unknown as EdgeClusterMember;
    const deps = { config, live: new ConfigHolder(config), logger: new Logger({ level: LOG_LEVELS.debug, sinks: [(l) => lines.push(l)] }), metrics, clock: systemClock } as unknown as EdgeDeps;
    const svc = new CrlService(deps, member);
    await svc.onModuleInit();
    return { svc, lines, handshakes, totals, gauges };
  }

  it('refuses a revoked certificate at the TLS step, naming serial and MAC, counted as revoked; admits the others', async () => {
    const path = join(dir, 'a.crl');
    await writeCrl(path, [revoked.certPem]);
    const { svc, lines, handshakes, gauges } = await service(path);
    try {
      assert.equal(svc.admits(socketOf(revoked.certPem), '00408c5c0001', '127.0.0.1:5555'), false);
      assert.equal(svc.admits(socketOf(good.certPem), '00408c5c0002', '127.0.0.1:5556'), true);
      assert.deepEqual(handshakes, ['revoked']);
      assert.ok(lines.some((l) => l.includes(`[warning] [crl] refused 127.0.0.1:5555: device 00408C5C0001: certificate serial ${serialOf(revoked.certPem)} is revoked by the CRL of CN=Test dispatcher CA`)), lines.join('\n'));
      assert.ok(gauges[0]().crl_valid_until_ms > Date.now());
    } finally {
      svc.onApplicationShutdown();
    }
  });

  it('a session whose certificate a CRL loaded during its handshake revokes is closed before it registers', async () => {
    const path = join(dir, 'b.crl');
    await writeCrl(path, []);
    const { svc, handshakes } = await service(path);
    try {
      assert.equal(svc.admits(socketOf(revoked.certPem), '00408c5c0001', '127.0.0.1:5555'), true, 'not revoked yet');
      await writeCrl(path, [revoked.certPem], new Date(Date.now() + 1000));
      await (svc as unknown as { loader: { refresh(): Promise<boolean> } }).loader.refresh();
      const session = fakeSession('00408c5c0001');
      assert.equal(svc.watch(session as unknown as DeviceSession, socketOf(revoked.certPem)), false);
      assert.equal(session.closed, 'certificate revoked');
      assert.deepEqual(handshakes, ['revoked']);
    } finally {
      svc.onApplicationShutdown();
    }
  });

  it('a new CRL drops the open sessions it revokes, and only those; closed sessions are forgotten', async () => {
    const path = join(dir, 'c.crl');
    await writeCrl(path, []);
    const { svc, lines, totals } = await service(path);
    try {
      const a = fakeSession('00408c5c0001');
      const b = fakeSession('00408c5c0002');
      const gone = fakeSession('00408c5c0001');
      assert.equal(svc.watch(a as unknown as DeviceSession, socketOf(revoked.certPem)), true);
      assert.equal(svc.watch(b as unknown as DeviceSession, socketOf(good.certPem)), true);
      assert.equal(svc.watch(gone as unknown as DeviceSession, socketOf(revoked.certPem)), true);
      gone.close('connection closed');
      gone.closed = '';
      await writeCrl(path, [revoked.certPem], new Date(Date.now() + 1000));
      await (svc as unknown as { loader: { refresh(): Promise<boolean> } }).loader.refresh();
      assert.equal(a.closed, 'certificate revoked');
      assert.equal(b.closed, '');
      assert.equal(gone.closed, '', 'a closed session is not closed again');
      assert.ok(lines.some((l) => l.includes(`dropping device 00408C5C0001: certificate serial ${serialOf(revoked.certPem)} is revoked by the new CRL`)));
      assert.deepEqual(totals[0](), { crl_load_failures: 0 });
    } finally {
      svc.onApplicationShutdown();
    }
  });

  it('strict without a loadable CRL refuses every device (counted as refused) and counts the failure', async () => {
    const { svc, handshakes, totals, gauges } = await service(join(dir, 'missing.crl'), 'strict');
    try {
      assert.equal(svc.admits(socketOf(good.certPem), '00408c5c0002', '127.0.0.1:5556'), false);
      assert.deepEqual(handshakes, ['refused']);
      assert.deepEqual(totals[0](), { crl_load_failures: 1 });
      assert.deepEqual(gauges[0](), { crl_valid_until_ms: 0 });
    } finally {
      svc.onApplicationShutdown();
    }
  });
});

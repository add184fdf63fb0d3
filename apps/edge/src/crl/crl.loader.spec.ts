import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadedCa, createCrl, loadCa, mintDeviceCredentials, serialOf, setupDispatcherCa } from '@tether/pki';
import { LOG_LEVELS, Logger } from '@tether/telemetry';
import { fakeClock } from '@tether/testing';
import { CRL_RETRY_MS, CrlLoader, CrlLoaderOptions } from './crl.loader';
import { CrlMode, CrlState } from './crl.state';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The fake clock starts at a real time: CRL dates are real dates. */
const T0 = Date.UTC(2026, 0, 1);

interface Harness {
  loader: CrlLoader;
  state: CrlState;
  clock: ReturnType<typeof fakeClock>;
  fetches: string[];
  served: Array<Buffer | Error>;
  files: Map<string, Buffer | string>;
  installed: number;
  failed: number;
  lines: string[];
}

describe('CRL loader and state', () => {
  let dir: string;
  let ca: LoadedCa;
  let rogue: LoadedCa;
  let device: { certPem: string };
  let other: { certPem: string };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edge-crl-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256', name: 'Edge CRL CA' });
    ca = await loadCa({ dir, kind: 'dispatcher' });
    await setupDispatcherCa({ dir: join(dir, 'rogue'), keyType: 'ec-p256', name: 'Edge CRL CA' });
    rogue = await loadCa({ dir: join(dir, 'rogue'), kind: 'dispatcher' });
    device = await mintDeviceCredentials(ca, '00408c00e001');
    other = await mintDeviceCredentials(ca, '00408c00e002');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const crl = async (o: { serials?: string[]; thisUpdate?: number; nextUpdate?: number; signer?: LoadedCa } = {}) =>
    (
      await createCrl(o.signer ?? ca, {
        revoked: (o.serials ?? []).map((serial) => ({ serial, revokedAt: new Date(T0 - DAY) })),
        thisUpdate: new Date(o.thisUpdate ?? T0 - HOUR),
        nextUpdate: new Date(o.nextUpdate ?? T0 + DAY),
      })
    ).der;

  function harness(o: Partial<Pick<CrlLoaderOptions, 'url' | 'path' | 'refreshMs'>> & { mode?: CrlMode } = {}): Harness {
    const clock = fakeClock();
    clock.t = T0;
    const state = new CrlState(o.mode ?? 'soft', clock);
    const lines: string[] = [];
    const logger = new Logger({ level: LOG_LEVELS.debug, sinks: [(line) => void lines.push(line)] });
    const h: Harness = { loader: undefined as never, state, clock, fetches: [], served: [], files: new Map(), installed: 0, failed: 0, lines };
    h.loader = new CrlLoader({
      url: o.url,
      path: o.path,
      caPems: [ca.certPem],
      refreshMs: o.refreshMs ?? HOUR,
      state,
      clock,
      log: logger,
      fetch: async (url) => {
        h.fetches.push(url);
        const next = h.served.length > 1 ? h.served.shift()! : h.served[0];
        if (!next) throw new Error('connect ECONNREFUSED');
        if (next instanceof Error) throw next;
        return next;
      },
      readFile: async (path) => {
        const v = h.files.get(path);
        return v === undefined ? undefined : Buffer.from(v);
      },
      writeFile: async (path, data) => void h.files.set(path, data),
      installed: () => void h.installed++,
      failed: () => void h.failed++,
    });
    return h;
  }

  /** Lets the loads the clock started finish (they await real crypto). */
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('loads from crl_url at start, caches it in crl_path, and checks certificates with it', async () => {
    const h = harness({ url: 'http://crl/ca.crl', path: '/cache.crl' });
    h.served.push(await crl({ serials: [serialOf(device.certPem)] }));
    await h.loader.start();
    assert.deepEqual(h.fetches, ['http://crl/ca.crl']);
    assert.equal(h.installed, 1);
    assert.match(String(h.files.get('/cache.crl')), /^-----BEGIN X509 CRL-----/);
    assert.equal(h.state.valid(), true);
    assert.equal(h.state.validUntil, T0 + DAY);
    const v = h.state.verdict(new X509Certificate(device.certPem));
    assert.equal(v.ok, false);
    assert.ok(!v.ok && v.result === 'revoked' && v.reason.includes(`certificate serial ${serialOf(device.certPem)} is revoked by the CRL of CN=Edge CRL CA`));
    assert.deepEqual(h.state.verdict(new X509Certificate(other.certPem)), { ok: true });
    assert.ok(h.lines.some((l) => /CRL loaded from http:\/\/crl\/ca\.crl: 1 revoked, issuer CN=Edge CRL CA, next update 2026-01-02T00:00:00\.000Z/.test(l)));
    h.loader.stop();
  });

  it('refreshes every crl_refresh and installs a new CRL; the same bytes again install nothing', async () => {
    const h = harness({ url: 'http://crl/ca.crl', refreshMs: 60_000 });
    const first = await crl();
    h.served.push(first, first, await crl({ serials: ['abc'], thisUpdate: T0 }));
    await h.loader.start();
    h.clock.tick(60_000);
    await settle();
    assert.equal(h.fetches.length, 2);
    assert.equal(h.installed, 1, 'unchanged');
    h.clock.tick(60_000);
    await settle();
    assert.equal(h.installed, 2);
    assert.ok(h.state.current!.isRevoked('abc'));
    assert.equal(h.failed, 0);
    h.loader.stop();
  });

  it('refreshes ahead of nextUpdate when it comes before crl_refresh', async () => {
    const h = harness({ url: 'http://crl/ca.crl', refreshMs: DAY });
    h.served.push(await crl({ nextUpdate: T0 + 10 * 60_000 }));
    await h.loader.start();
    h.clock.tick(8 * 60_000);
    await settle();
    assert.equal(h.fetches.length, 1, 'not yet');
    h.clock.tick(60_000);
    await settle();
    assert.equal(h.fetches.length, 2, 'a minute before nextUpdate (a tenth of the ten minutes left)');
    h.loader.stop();
  });

  for (const [name, make, why] of [
    ['garbage', async () => Buffer.from('hello'), /not a CRL/],
    ['a CRL signed by another key with the same name', async () => crl({ signer: rogue }), /not signed by a CA of ca_cert_file \(issuer CN=Edge CRL CA\)/],
    ['an expired CRL', async () => crl({ thisUpdate: T0 - 2 * DAY, nextUpdate: T0 - DAY }), /expired: its nextUpdate 2025-12-31T00:00:00\.000Z has passed/],
    ['an HTTP error', async () => new Error('HTTP 404 Not Found'), /fetch failed: HTTP 404 Not Found/],
  ] as const) {
    it(`counts ${name} as a load failure, keeps nothing, and retries after ${CRL_RETRY_MS / 1000} s`, async () => {
      const h = harness({ url: 'http://crl/ca.crl' });
      h.served.push(await make());
      await h.loader.start();
      assert.equal(h.failed, 1);
      assert.equal(h.loader.failures, 1);
      assert.equal(h.installed, 0);
      assert.equal(h.state.current, undefined);
      assert.ok(h.lines.some((l) => /\[warning\]/.test(l) && why.test(l) && /no CRL in force; 1 failure\(s\); retrying in 30 s/.test(l)), h.lines.join('\n'));
      h.clock.tick(CRL_RETRY_MS);
      await settle();
      assert.equal(h.fetches.length, 2, 'retried');
      assert.equal(h.failed, 2);
      h.loader.stop();
    });
  }

  it('a bad CRL after a good one keeps the good one in force', async () => {
    const h = harness({ url: 'http://crl/ca.crl', refreshMs: 60_000 });
    h.served.push(await crl({ serials: ['01'] }), await crl({ signer: rogue }));
    await h.loader.start();
    h.clock.tick(60_000);
    await settle();
    assert.equal(h.failed, 1);
    assert.ok(h.state.current!.isRevoked('01'));
    assert.ok(h.lines.some((l) => /keeping the CRL in force/.test(l)));
    h.loader.stop();
  });

  it('refuses a CRL older than the one in force (a replay must not un-revoke)', async () => {
    const h = harness({ url: 'http://crl/ca.crl', refreshMs: 60_000 });
    h.served.push(await crl({ serials: ['01'], thisUpdate: T0 - 60_000 }), await crl({ thisUpdate: T0 - HOUR }));
    await h.loader.start();
    h.clock.tick(60_000);
    await settle();
    assert.equal(h.failed, 1);
    assert.ok(h.state.current!.isRevoked('01'));
    assert.ok(h.lines.some((l) => /older than the CRL in force/.test(l)));
    h.loader.stop();
  });

  it('a good cached CRL is in force before the fetch, which then runs in the background', async () => {
    const h = harness({ url: 'http://crl/ca.crl', path: '/cache.crl' });
    h.files.set('/cache.crl', await crl({ serials: ['0a'] }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = h.loader as unknown as { o: CrlLoaderOptions };
    const fetch = slow.o.fetch;
    slow.o.fetch = async (u) => {
      await gate;
      return fetch(u);
    };
    h.served.push(await crl({ serials: ['0b'], thisUpdate: T0 }));
    await h.loader.start();
    assert.ok(h.state.current!.isRevoked('a'), 'cache in force at once');
    release();
    await settle();
    assert.ok(h.state.current!.isRevoked('b'), 'then the fetched one');
    h.loader.stop();
  });

  it('without the network, a restart still has the cached CRL (and counts the failed fetch)', async () => {
    const h = harness({ url: 'http://crl/ca.crl', path: '/cache.crl' });
    h.files.set('/cache.crl', await crl({ serials: ['0a'] }));
    await h.loader.start();
    await settle();
    assert.ok(h.state.valid());
    assert.equal(h.failed, 1);
  });

  it('no cached CRL yet is not a failure', async () => {
    const h = harness({ url: 'http://crl/ca.crl', path: '/cache.crl' });
    h.served.push(await crl());
    await h.loader.start();
    assert.equal(h.failed, 0);
    assert.ok(h.lines.some((l) => /no cached CRL in \/cache\.crl yet/.test(l)));
    h.loader.stop();
  });

  it('crl_path alone is the source: read at start, re-read every crl_refresh, a missing file is a failure', async () => {
    const h = harness({ path: '/only.crl', refreshMs: 60_000 });
    await h.loader.start();
    assert.equal(h.failed, 1);
    assert.ok(h.lines.some((l) => /CRL from \/only\.crl not loaded: no such file/.test(l)));
    h.files.set('/only.crl', await crl({ serials: ['0c'] }));
    h.clock.tick(30_000);
    await settle();
    assert.ok(h.state.current?.isRevoked('c'));
    h.loader.stop();
  });

  it('strict refuses every device while no valid CRL is loaded; soft accepts and says it is unchecked', async () => {
    const cert = new X509Certificate(other.certPem);
    const strict = harness({ mode: 'strict', url: 'http://crl/ca.crl' });
    await strict.loader.start();
    const v = strict.state.verdict(cert);
    assert.ok(!v.ok && v.result === 'refused' && /no valid CRL \(no CRL loaded; crl_mode = strict\)/.test(v.reason));
    const soft = harness({ mode: 'soft', url: 'http://crl/ca.crl' });
    await soft.loader.start();
    assert.deepEqual(soft.state.verdict(cert), { ok: true, unchecked: 'no CRL loaded' });
    const off = new CrlState('off', strict.clock);
    assert.deepEqual(off.verdict(cert), { ok: true });
  });

  it('once the CRL in force passes its nextUpdate, strict refuses but revoked serials stay refused in soft', async () => {
    const h = harness({ mode: 'soft', url: 'http://crl/ca.crl', refreshMs: DAY });
    h.served.push(await crl({ serials: [serialOf(device.certPem)], nextUpdate: T0 + HOUR }));
    await h.loader.start();
    h.served.length = 0; // the publisher goes away
    h.clock.tick(2 * HOUR);
    await settle();
    assert.equal(h.state.valid(), false);
    assert.equal(h.state.verdict(new X509Certificate(device.certPem)).ok, false, 'still revoked');
    assert.deepEqual(h.state.verdict(new X509Certificate(other.certPem)), { ok: true, unchecked: 'the CRL expired at 2026-01-01T01:00:00.000Z' });
    const strict = new CrlState('strict', h.clock);
    strict.install(h.state.current!);
    const v = strict.verdict(new X509Certificate(other.certPem));
    assert.ok(!v.ok && /the CRL expired at 2026-01-01T01:00:00\.000Z; crl_mode = strict/.test(v.reason));
    h.loader.stop();
  });
});

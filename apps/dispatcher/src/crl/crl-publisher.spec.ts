import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadCa, parseCrl, revokeCertificate } from '@tether/pki';
import { LOG_LEVELS, Logger, ManualClock } from '@tether/telemetry';
import { TestPki } from '@tether/testing';
import { StateFile } from '../state/state.file';
import { CrlPublisher } from './crl.publisher';

describe('CrlPublisher: the dispatcher CRL', () => {
  let pki: TestPki;
  before(async () => {
    pki = await TestPki.create();
  });
  after(() => pki.remove());

  const publisher = async (clock: ManualClock) => {
    const state = StateFile.open(null);
    const ca = await loadCa({ dir: pki.dispatcherDir, kind: 'dispatcher' });
    const p = new CrlPublisher({ ca, state, validityS: 3600, clock, logger: new Logger({ level: LOG_LEVELS.nothing }) });
    return { p, state };
  };

  it('lists every revoked serial, signed by the dispatcher CA, with nextUpdate = thisUpdate + validity and a growing number', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { p, state } = await publisher(clock);
    await p.publish();
    const empty = parseCrl(p.current()!);
    assert.equal(empty.serials.size, 0);
    state.state.revoked.push({ serial: '0A1B2C', mac: '00408ca03af0', revokedAt: clock.now() });
    await p.publish();
    const crl = parseCrl(p.current()!);
    assert.ok(crl.isRevoked('a1b2c'));
    assert.equal(crl.thisUpdate.getTime(), clock.now());
    assert.equal(crl.nextUpdate?.getTime(), clock.now() + 3600_000);
    assert.equal(crl.crlNumber, (empty.crlNumber ?? 0) + 1);
    assert.equal(await crl.verify(pki.read(pki.dispatcherCa)), true);
    assert.equal(await crl.verify(pki.read(pki.providerCa)), false);
    p.stop();
  });

  it('re-signs at half its validity, so it never goes stale while the dispatcher runs', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { p } = await publisher(clock);
    await p.publish();
    const first = parseCrl(p.current()!);
    const firstDer = p.current();
    clock.advance(1799_999);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.current(), firstDer, 'not before half the validity');
    clock.advance(1);
    for (let i = 0; i < 100 && p.current() === firstDer; i++) await new Promise((r) => setTimeout(r, 20));
    const later = parseCrl(p.current()!);
    assert.ok(later.thisUpdate.getTime() >= first.thisUpdate.getTime() + 1800_000);
    assert.ok(later.crlNumber! > first.crlNumber!);
    p.stop();
  });

  it('also publishes the serials revoked by hand in the CA directory (tether pki revoke), once each', async () => {
    const own = await TestPki.create();
    try {
      await revokeCertificate({ dir: own.dispatcherDir, serial: '77' });
      await revokeCertificate({ dir: own.dispatcherDir, serial: '0a1b' });
      const state = StateFile.open(null);
      state.state.revoked.push({ serial: 'a1b', mac: '00408ca03af0', revokedAt: 0 });
      const ca = await loadCa({ dir: own.dispatcherDir, kind: 'dispatcher' });
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const p = new CrlPublisher({ ca, caDir: own.dispatcherDir, state, validityS: 3600, clock, logger: new Logger({ level: LOG_LEVELS.nothing }) });
      await p.publish();
      assert.deepEqual([...parseCrl(p.current()!).serials].sort(), ['77', 'a1b']);
      p.stop();
    } finally {
      own.remove();
    }
  });
});

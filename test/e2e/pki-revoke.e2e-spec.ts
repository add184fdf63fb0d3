import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCrl, serialOf } from '@tether/pki';
import { TestPki, TetherProcess } from '@tether/testing';

async function tether(...args: string[]): Promise<{ code: number | null; output: string }> {
  const p = new TetherProcess(args);
  const code = await p.exited;
  return { code, output: p.output };
}

describe('tether pki revoke', () => {
  let pki: TestPki;
  let dev: string;
  before(async () => {
    pki = await TestPki.create();
    dev = await pki.deviceCert('00408c0000c1');
  });
  after(() => pki.remove());

  it('revokes a device certificate into DIR/dispatcher_ca.crl, signed by the dispatcher CA', async () => {
    const r = await tether('pki', 'revoke', '--dir', pki.dispatcherDir, '--cert', dev, '--reason', 'keyCompromise');
    assert.equal(r.code, 0, r.output);
    const serial = serialOf(pki.read(dev));
    assert.match(r.output, new RegExp(`revoked serial ${serial}`));
    assert.match(r.output, /wrote .*dispatcher_ca\.crl \(CRL number 1, 1 revoked, next update /);
    const crl = parseCrl(readFileSync(join(pki.dispatcherDir, 'dispatcher_ca.crl')));
    assert.ok(crl.isRevoked(serial));
    assert.equal(await crl.verify(pki.read(pki.dispatcherCa)), true);
  });

  it('--crl-out and --validity-days choose the file and the nextUpdate; again says already revoked', async () => {
    const out = join(pki.dir, 'published.crl');
    const r = await tether('pki', 'revoke', '--dir', pki.dispatcherDir, '--cert', dev, '--crl-out', out, '--validity-days', '3');
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /was already revoked/);
    const crl = parseCrl(readFileSync(out));
    assert.ok(Math.abs(crl.nextUpdate!.getTime() - Date.now() - 3 * 86_400_000) < 60_000);
    assert.equal(crl.crlNumber, 2);
  });

  it('pki crl re-signs the list', async () => {
    const r = await tether('pki', 'crl', '--dir', pki.dispatcherDir);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /CRL number 3, 1 revoked/);
  });

  for (const [args, message, code] of [
    [['--dir', 'D'], /give exactly one of --cert or --serial/, 2],
    [['--cert', 'x.pem'], /--dir is required/, 2],
    [['--dir', 'D', '--cert', '/nonexistent/x.pem'], /--cert \/nonexistent\/x.pem: no such file/, 2],
    [['--dir', 'D', '--serial', '01', '--validity-days', '0'], /--validity-days must be a whole number >= 1/, 2],
    [['--dir', 'D', '--serial', '01', '--reason', 'bored'], /--reason must be one of unspecified, keyCompromise/, 2],
  ] as const) {
    it(`refuses ${args.join(' ')} (${message.source})`, async () => {
      const r = await tether('pki', 'revoke', ...args.map((a) => (a === 'D' ? pki.dispatcherDir : a)));
      assert.equal(r.code, code, r.output);
      assert.match(r.output, message);
    });
  }

  it('refuses a certificate from a CA it does not hold, with exit code 1', async () => {
    const rogue = await pki.rogueDeviceCert('00408c0000c2');
    const r = await tether('pki', 'revoke', '--dir', pki.dispatcherDir, '--cert', rogue);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /tether pki revoke: certificate CN=00408C0000C2 \(serial [0-9a-f]+\) was not issued by the dispatcher CA/);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PkiError,
  issueDeviceCert,
  parseCrl,
  publishCrl,
  readRevoked,
  revocationPaths,
  revokeCertificate,
  serialOf,
  setupDispatcherCa,
} from './index';

const DAY = 24 * 60 * 60 * 1000;

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('revoke a device certificate', () => {
  let dir: string;
  let devA: string;
  let devB: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-revoke-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256', name: 'Revoke test CA', password: 'pw' });
    devA = join(dir, 'a.pem');
    devB = join(dir, 'b.pem');
    await issueDeviceCert({ dir, mac: '00408c00000a', out: devA, password: 'pw' });
    await issueDeviceCert({ dir, mac: '00408c00000b', out: devB, password: 'pw' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes DIR/dispatcher_ca.crl listing the serial, signed by the CA, valid for 30 days by default', async () => {
    const now = new Date();
    const r = await revokeCertificate({ dir, password: 'pw', certPem: readFileSync(devA, 'utf8'), reason: 'keyCompromise', now });
    assert.equal(r.crlPath, join(dir, 'dispatcher_ca.crl'));
    assert.equal(r.serial, serialOf(readFileSync(devA, 'utf8')));
    assert.equal(r.alreadyRevoked, false);
    assert.equal(r.crlNumber, 1);
    const crl = parseCrl(readFileSync(r.crlPath, 'utf8'));
    assert.ok(crl.isRevoked(r.serial));
    assert.ok(!crl.isRevoked(serialOf(readFileSync(devB, 'utf8'))));
    assert.equal(crl.crlNumber, 1);
    assert.equal(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime(), 30 * DAY);
    assert.equal(await crl.verify(readFileSync(join(dir, 'dispatcher_ca.crt'), 'utf8')), true);
    assert.equal(statSync(r.crlPath).mode & 0o777, 0o644);
    assert.deepEqual((await readRevoked(dir)).map((e) => [e.serial, e.reason]), [[r.serial, 'keyCompromise']]);
  });

  it('accumulates: a second revocation keeps the first serial and bumps the CRL number', async () => {
    const out = join(dir, 'out', 'custom.crl');
    const r = await revokeCertificate({ dir, password: 'pw', certPem: readFileSync(devB, 'utf8'), crlOut: out, validityDays: 2 });
    assert.equal(r.crlPath, out);
    assert.equal(r.revokedCount, 2);
    const crl = parseCrl(readFileSync(out));
    assert.equal(crl.serials.size, 2);
    assert.ok(crl.crlNumber! >= 2);
    assert.ok(Math.abs(crl.nextUpdate!.getTime() - Date.now() - 2 * DAY) < 60_000);
  });

  it('revoking the same certificate again keeps its first date and says so', async () => {
    const before = await readRevoked(dir);
    const r = await revokeCertificate({ dir, password: 'pw', certPem: readFileSync(devA, 'utf8') });
    assert.equal(r.alreadyRevoked, true);
    assert.deepEqual(await readRevoked(dir), before);
  });

  it('revokes by serial too', async () => {
    const r = await revokeCertificate({ dir, password: 'pw', serial: '0A:BC' });
    assert.equal(r.serial, 'abc');
    assert.ok(parseCrl(readFileSync(r.crlPath)).isRevoked('ABC'));
  });

  it('publishCrl re-signs the same list with a later nextUpdate and a higher number', async () => {
    const first = parseCrl(readFileSync(revocationPaths(dir).crlPath));
    const r = await publishCrl({ dir, password: 'pw', validityDays: 60 });
    const again = parseCrl(readFileSync(r.crlPath));
    assert.deepEqual([...again.serials].sort(), [...first.serials].sort());
    assert.ok(again.crlNumber! > first.crlNumber!);
    assert.ok(again.nextUpdate!.getTime() > first.nextUpdate!.getTime());
  });

  it('openssl accepts the CRL and its signature', { skip: !hasOpenssl() && 'openssl not installed' }, () => {
    const out = execFileSync('openssl', ['crl', '-in', revocationPaths(dir).crlPath, '-CAfile', join(dir, 'dispatcher_ca.crt'), '-noout', '-text'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.match(out, /X509v3 CRL Number/);
    assert.match(out, new RegExp(serialOf(readFileSync(devA, 'utf8')).toUpperCase()));
  });

  it('refuses a certificate from another CA, naming it', async () => {
    const other = join(dir, 'other');
    await setupDispatcherCa({ dir: other, keyType: 'ec-p256', name: 'Other CA' });
    const foreign = join(other, 'f.pem');
    await issueDeviceCert({ dir: other, mac: '00408c0000ff', out: foreign });
    await assert.rejects(
      revokeCertificate({ dir, password: 'pw', certPem: readFileSync(foreign, 'utf8') }),
      (e: unknown) => e instanceof PkiError && /CN=00408C0000FF .* was not issued by the dispatcher CA/.test(e.message),
    );
  });

  it('refuses bad input precisely and leaves the list alone', async () => {
    const before = readFileSync(revocationPaths(dir).listPath, 'utf8');
    const cert = readFileSync(devA, 'utf8');
    await assert.rejects(revokeCertificate({ dir, password: 'pw' }), /exactly one of a certificate or a serial/);
    await assert.rejects(revokeCertificate({ dir, password: 'pw', certPem: 'junk' }), /no certificate found/);
    await assert.rejects(revokeCertificate({ dir, password: 'pw', serial: 'zz' }), /bad serial "zz"/);
    await assert.rejects(revokeCertificate({ dir, password: 'pw', certPem: cert, validityDays: 0 }), /bad validity "0"/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await assert.rejects(revokeCertificate({ dir, password: 'pw', certPem: cert, reason: 'bored' as any }), /unknown CRL reason "bored"/);
    await assert.rejects(revokeCertificate({ dir, password: 'wrong', certPem: cert }), /wrong or missing CA password/);
    await assert.rejects(revokeCertificate({ dir: join(dir, 'nope'), certPem: cert }), /dispatcher CA missing/);
    assert.equal(readFileSync(revocationPaths(dir).listPath, 'utf8'), before);
  });

  it('refuses a corrupt revocation list instead of starting an empty one', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pki-revoke-bad-'));
    try {
      await setupDispatcherCa({ dir: d, keyType: 'ec-p256' });
      writeFileSync(revocationPaths(d).listPath, '{"crlNumber": 1, "revoked": [{"serial": "xx"}]}');
      await assert.rejects(publishCrl({ dir: d }), /cannot read revocation list .*dispatcher_ca.revoked.json: bad serial "xx"/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

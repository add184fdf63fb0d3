import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadedCa, PkiError, createCrl, loadCa, mintDeviceCredentials, normalizeSerial, parseCrl, serialOf, setupDispatcherCa, setupProviderCa } from './index';

const DAY = 24 * 60 * 60 * 1000;

describe('CRL create and parse', () => {
  let dir: string;
  let ca: LoadedCa;
  let otherCa: LoadedCa;
  let rsaCa: LoadedCa;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-crl-'));
    await setupDispatcherCa({ dir, keyType: 'ec-p256', name: 'CRL test CA' });
    ca = await loadCa({ dir, kind: 'dispatcher' });
    // Same subject, different key: only the signature tells them apart.
    await setupDispatcherCa({ dir: join(dir, 'other'), keyType: 'ec-p256', name: 'CRL test CA' });
    otherCa = await loadCa({ dir: join(dir, 'other'), kind: 'dispatcher' });
    await setupProviderCa({ dir: join(dir, 'rsa'), keyType: 'rsa-2048', name: 'RSA CA' });
    rsaCa = await loadCa({ dir: join(dir, 'rsa'), kind: 'provider' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips revoked serials, dates and the CRL number through PEM and DER', async () => {
    const dev = await mintDeviceCredentials(ca, '00408c000001');
    const serial = serialOf(dev.certPem);
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + 7 * DAY);
    const { pem, der } = await createCrl(ca, {
      revoked: [
        { serial, revokedAt: thisUpdate, reason: 'keyCompromise' },
        { serial: '00FF01', revokedAt: thisUpdate },
      ],
      thisUpdate,
      nextUpdate,
      crlNumber: 300,
    });
    assert.match(pem, /^-----BEGIN X509 CRL-----\n[A-Za-z0-9+/=\n]+-----END X509 CRL-----\n$/);
    for (const parsed of [parseCrl(pem), parseCrl(der), parseCrl(Buffer.from(pem))]) {
      assert.equal(parsed.issuer, 'CN=CRL test CA');
      assert.equal(parsed.thisUpdate.getTime(), thisUpdate.getTime());
      assert.equal(parsed.nextUpdate?.getTime(), nextUpdate.getTime());
      assert.equal(parsed.crlNumber, 300);
      assert.deepEqual([...parsed.serials].sort(), [serial, 'ff01'].sort());
      assert.ok(parsed.isRevoked(new X509Certificate(dev.certPem).serialNumber), 'node upper-case form matches');
      assert.ok(parsed.isRevoked('ff01'));
      assert.ok(!parsed.isRevoked('ff02'));
      assert.ok(parsed.der.equals(der));
    }
  });

  it('keeps a serial whose top bit is set positive (a foreign CA may issue such serials)', async () => {
    const { pem } = await createCrl(ca, { revoked: [{ serial: '80aa', revokedAt: new Date() }, { serial: 'abc', revokedAt: new Date() }], nextUpdate: new Date(Date.now() + DAY) });
    assert.deepEqual([...parseCrl(pem).serials].sort(), ['80aa', 'abc']);
  });

  it('revokes(cert) needs both the serial and the issuer: a listed serial from another CA is not revoked', async () => {
    const mine = await mintDeviceCredentials(ca, '00408c000002');
    const foreign = await mintDeviceCredentials(rsaCa, '00408c000003');
    const { pem } = await createCrl(ca, {
      revoked: [{ serial: serialOf(mine.certPem), revokedAt: new Date() }, { serial: serialOf(foreign.certPem), revokedAt: new Date() }],
      nextUpdate: new Date(Date.now() + DAY),
    });
    const crl = parseCrl(pem);
    assert.equal(crl.revokes(mine.certPem), true);
    assert.equal(crl.revokes(Buffer.from(new X509Certificate(mine.certPem).raw)), true, 'DER too');
    assert.equal(crl.revokes(foreign.certPem), false);
    assert.equal(crl.revokes((await mintDeviceCredentials(ca, '00408c000004')).certPem), false);
    assert.throws(() => crl.revokes('junk'), /cannot parse certificate/);
  });

  it('an empty CRL revokes nothing', async () => {
    const { pem } = await createCrl(ca, { revoked: [], nextUpdate: new Date(Date.now() + DAY) });
    const parsed = parseCrl(pem);
    assert.equal(parsed.serials.size, 0);
    assert.equal(parsed.crlNumber, undefined);
  });

  it('verifies against the CA that signed it and not against a CA with the same name and another key', async () => {
    const { pem } = await createCrl(ca, { revoked: [], nextUpdate: new Date(Date.now() + DAY) });
    const parsed = parseCrl(pem);
    assert.equal(await parsed.verify(ca.certPem), true);
    assert.equal(await parsed.verify(otherCa.certPem), false);
    assert.equal(await parsed.verify(rsaCa.certPem), false, 'different issuer name and key algorithm');
    assert.equal(await parsed.verify('not a certificate'), false);
  });

  it('an RSA CA signs CRLs too', async () => {
    const { pem } = await createCrl(rsaCa, { revoked: [{ serial: '01', revokedAt: new Date() }], nextUpdate: new Date(Date.now() + DAY) });
    assert.equal(await parseCrl(pem).verify(rsaCa.certPem), true);
    assert.equal(await parseCrl(pem).verify(ca.certPem), false);
  });

  it('a tampered CRL fails verification', async () => {
    const { der } = await createCrl(ca, { revoked: [{ serial: '1234', revokedAt: new Date() }], nextUpdate: new Date(Date.now() + DAY) });
    const i = der.indexOf(Buffer.from([0x02, 0x02, 0x12, 0x34]));
    assert.ok(i > 0);
    const tampered = Buffer.from(der);
    tampered[i + 3] = 0x35;
    const parsed = parseCrl(tampered);
    assert.ok(parsed.isRevoked('1235'));
    assert.equal(await parsed.verify(ca.certPem), false);
  });

  it('an expired CRL still parses: its nextUpdate is in the past for the caller to judge', async () => {
    const thisUpdate = new Date(Date.now() - 10 * DAY);
    const nextUpdate = new Date(Date.now() - DAY);
    const parsed = parseCrl((await createCrl(ca, { revoked: [], thisUpdate, nextUpdate })).pem);
    assert.ok(parsed.nextUpdate!.getTime() < Date.now());
    assert.equal(await parsed.verify(ca.certPem), true, 'the signature is still good; staleness is a separate check');
  });

  it('refuses nextUpdate not after thisUpdate', async () => {
    const now = new Date();
    await assert.rejects(createCrl(ca, { revoked: [], thisUpdate: now, nextUpdate: now }), (e: unknown) => e instanceof PkiError && /nextUpdate .* is not after thisUpdate/.test(e.message));
  });

  it('refuses a bad serial and a bad CRL number', async () => {
    const nextUpdate = new Date(Date.now() + DAY);
    await assert.rejects(createCrl(ca, { revoked: [{ serial: 'xyz', revokedAt: new Date() }], nextUpdate }), /bad serial "xyz"/);
    await assert.rejects(createCrl(ca, { revoked: [], nextUpdate, crlNumber: -1 }), /bad CRL number -1/);
  });

  for (const [name, input] of [
    ['garbage text', 'hello'],
    ['garbage bytes', Buffer.from('0123456789')],
    ['a PEM block of garbage', '-----BEGIN X509 CRL-----\naGVsbG8=\n-----END X509 CRL-----\n'],
  ] as const) {
    it(`parseCrl refuses ${name} with a PkiError`, () => {
      assert.throws(() => parseCrl(input), (e: unknown) => e instanceof PkiError && /not a CRL/.test(e.message));
    });
  }

  it('a certificate is not a CRL', () => {
    assert.throws(() => parseCrl(Buffer.from(new X509Certificate(ca.certPem).raw)), PkiError);
  });

  it('normalizes serials: case, colons and leading zeros', () => {
    assert.equal(normalizeSerial('00:AB:0C'), 'ab0c');
    assert.equal(normalizeSerial('000'), '0');
    assert.throws(() => normalizeSerial('12g'), /bad serial/);
    assert.throws(() => serialOf('no pem'), /no certificate found/);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { AddressInfo } from 'node:net';
import { TestPki } from '@tether/testing';
import { withoutPeerCertificate } from './tls-session';

describe('TLS session kept for resumption', () => {
  let pki: TestPki;
  let server: tls.Server;
  let port: number;
  let ctx: tls.SecureContext;
  let serverDer: Buffer;

  before(async () => {
    pki = await TestPki.create();
    const serverPem = pki.read(pki.serverPem);
    serverDer = new X509Certificate(serverPem).raw;
    server = tls.createServer(
      { cert: serverPem, key: serverPem, ca: pki.read(pki.dispatcherCa), requestCert: true, rejectUnauthorized: true, sessionIdContext: 'spec' },
      (s) => s.end(s.isSessionReused() ? 'resumed' : 'full'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    const device = pki.read(await pki.deviceCert('00408c7e0001'));
    ctx = tls.createSecureContext({ cert: device, key: device, ca: pki.read(pki.providerCa) });
  });
  after(() => {
    server.close();
    pki.remove();
  });

  /** One connection; what the server answered, whether TLS resumed, and the session the server gave. */
  function connect(session?: Buffer): Promise<{ said: string; reused: boolean; identityChecks: number; session?: Buffer }> {
    return new Promise((resolve, reject) => {
      let identityChecks = 0;
      let said = '';
      let next: Buffer | undefined;
      let reused = false;
      const s = tls.connect({
        host: '127.0.0.1',
        port,
        secureContext: ctx,
        session,
        checkServerIdentity: (host, cert) => {
          identityChecks++;
          return tls.checkServerIdentity(host, cert);
        },
      });
      s.on('session', (b: Buffer) => (next = b));
      s.on('secureConnect', () => (reused = s.isSessionReused()));
      s.on('data', (d) => (said += d));
      s.on('error', reject);
      s.on('close', () => resolve({ said, reused, identityChecks, session: next }));
    });
  }

  it('drops the server certificate and still resumes, without checking the identity again', async () => {
    const first = await connect();
    assert.equal(first.said, 'full');
    assert.equal(first.identityChecks, 1);
    const full = first.session!;
    assert.ok(full.includes(serverDer), 'OpenSSL keeps the peer certificate in the session');
    const compact = withoutPeerCertificate(full);
    assert.ok(!compact.includes(serverDer));
    assert.ok(compact.length < full.length - serverDer.length + 8, `${compact.length} of ${full.length} bytes`);

    const again = await connect(compact);
    assert.equal(again.said, 'resumed');
    assert.equal(again.reused, true);
    assert.equal(again.identityChecks, 0); // authenticated by the ticket of the verified session
  });

  it('is idempotent, and leaves what it cannot read as it came', () => {
    const seq = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x00]);
    assert.equal(withoutPeerCertificate(seq), seq); // no [3] field: the same buffer
    for (const junk of [Buffer.alloc(0), Buffer.from('not der'), Buffer.from([0x30, 0x05, 0x02]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])])
      assert.equal(withoutPeerCertificate(junk), junk);
  });

  it('rewrites long-form lengths', () => {
    const filler = Buffer.concat([Buffer.from([0x04, 0x81, 0xc8]), Buffer.alloc(200, 7)]); // OCTET STRING of 200
    const peer = Buffer.concat([Buffer.from([0xa3, 0x82, 0x01, 0x00]), Buffer.alloc(256, 9)]);
    const tail = Buffer.from([0xa4, 0x03, 0x04, 0x01, 0x05]);
    const body = Buffer.concat([filler, peer, tail]);
    const der = Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
    const out = withoutPeerCertificate(der);
    assert.deepEqual(out, Buffer.concat([Buffer.from([0x30, 0x81, filler.length + tail.length]), filler, tail]));
  });
});

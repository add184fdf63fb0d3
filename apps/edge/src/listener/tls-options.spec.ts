import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { parseConfig } from '@tether/config';
import { TestPki } from '@tether/testing';
import { deviceTlsOptions, peerCommonName } from '@tether/pki';

interface Seen {
  reused: boolean;
  authorized: boolean;
  cn: string;
}

/** Two listeners built alike from one configuration (two edges), each reporting what it saw of the device. */
function edges(conf: string, confB = conf) {
  const seen: Seen[] = [];
  const make = (c: string) =>
    tls.createServer(deviceTlsOptions(parseConfig(c, 'edge.conf')), (s) => {
      seen.push({ reused: s.isSessionReused(), authorized: s.authorized, cn: peerCommonName(s) });
      s.write('x'); // TLS 1.3 tickets follow the first application data
      setTimeout(() => s.end(), 20);
    });
  return { servers: [make(conf), make(confB)], seen };
}

describe('listen_client TLS session resumption', () => {
  let pki: TestPki;
  let deviceOpts: tls.ConnectionOptions;
  before(async () => {
    pki = await TestPki.create();
    const pem = readFileSync(await pki.deviceCert('00408c5e0001'));
    deviceOpts = { cert: pem, key: pem, ca: readFileSync(pki.providerCa), checkServerIdentity: () => undefined };
  });
  after(() => pki.remove());

  async function roundTrip(lifetime: number, caB = pki.dispatcherCa): Promise<{ client: boolean[]; seen: Seen[] }> {
    const conf = (ca: string) => `cert_file = ${pki.serverPem}\nca_cert_file = ${ca}\nclient_tls_session_lifetime = ${lifetime}`;
    const { servers, seen } = edges(conf(pki.dispatcherCa), conf(caB));
    const ports = await Promise.all(
      servers.map((s) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)))),
    );
    const client: boolean[] = [];
    let session: Buffer | undefined;
    try {
      // Full handshake with edge A, then edge B offered A's session (a failover).
      for (const port of ports)
        await new Promise<void>((resolve, reject) => {
          const s = tls.connect({ ...deviceOpts, port, host: '127.0.0.1', session }, () => client.push(s.isSessionReused()));
          s.on('session', (x: Buffer) => (session = x));
          s.on('error', reject);
          s.on('close', () => resolve());
          s.resume();
        });
    } finally {
      for (const s of servers) s.close();
    }
    return { client, seen };
  }

  it('a device resumes on another edge with the same certificate, which still knows its MAC', async () => {
    const { client, seen } = await roundTrip(3600);
    assert.deepEqual(client, [false, true]);
    assert.deepEqual(seen, [
      { reused: false, authorized: true, cn: '00408C5E0001' },
      { reused: true, authorized: true, cn: '00408C5E0001' },
    ]);
  });

  it('an edge with the same certificate but another ca_cert_file does not resume the session: it checks the device itself', async () => {
    const other = await TestPki.create();
    try {
      const { client, seen } = await roundTrip(3600, other.dispatcherCa);
      assert.deepEqual(client, [false, false]);
      assert.deepEqual(
        seen.map((s) => [s.reused, s.authorized]),
        [
          [false, true],
          [false, false],
        ],
      );
    } finally {
      other.remove();
    }
  });

  it('client_tls_session_lifetime = 0: no tickets, every handshake is full', async () => {
    const { client, seen } = await roundTrip(0);
    assert.deepEqual(client, [false, false]);
    assert.deepEqual(
      seen.map((s) => s.reused),
      [false, false],
    );
  });
});

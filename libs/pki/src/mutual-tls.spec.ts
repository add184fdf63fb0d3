import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { issueDeviceCert, issueServerCert, setupDispatcherCa, setupProviderCa, splitPem } from './index';

interface ServerView {
  authorized: boolean;
  clientSubject: tls.PeerCertificate['subject'];
}

/** Device side of the handshake; resolves with what the device saw, or the error that ended it. */
function connectDevice(port: number, credentials: string, ca: string, servername?: string) {
  const { certificates, privateKey } = splitPem(credentials);
  return new Promise<{ authorized: boolean; serverSubject?: tls.PeerCertificate['subject']; data: string; error?: Error }>((resolve) => {
    let data = '';
    let error: Error | undefined;
    let serverSubject: tls.PeerCertificate['subject'] | undefined;
    let authorized = false;
    const socket = tls.connect({ host: '127.0.0.1', port, servername, cert: certificates[0], key: privateKey, ca, rejectUnauthorized: true });
    socket.setEncoding('utf8');
    socket.on('secureConnect', () => {
      authorized = socket.authorized;
      serverSubject = socket.getPeerCertificate().subject;
    });
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err) => (error = err));
    socket.on('close', () => resolve({ authorized, serverSubject, data, error }));
  });
}

describe('mutual TLS with issued certificates (real node:tls handshake)', () => {
  let dir: string;
  let server: tls.Server;
  let port: number;
  const seen: ServerView[] = [];
  // Server-side handshake failures; authorizationError is set when the client certificate failed verification.
  const rejected: { message: string; authorizationError?: string }[] = [];
  const providerCa = () => readFileSync(join(dir, 'stserver_ca.crt'), 'utf8');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-mtls-'));
    await setupProviderCa({ dir, keyType: 'ec-p256' });
    await setupDispatcherCa({ dir, keyType: 'ec-p256' });
    await issueServerCert({ dir, hosts: ['127.0.0.1', 'localhost'], out: join(dir, 'server.pem'), keyType: 'ec-p256' });
    await issueDeviceCert({ dir, mac: '00:40:8c:ab:cd:ef', out: join(dir, 'device.pem') });
    // A second, unrelated dispatcher CA and a device certificate it signed.
    const rogue = join(dir, 'rogue');
    await setupDispatcherCa({ dir: rogue, keyType: 'ec-p256' });
    await issueDeviceCert({ dir: rogue, mac: '00408CABCDEF', out: join(dir, 'rogue-device.pem') });

    const { certificates, privateKey } = splitPem(readFileSync(join(dir, 'server.pem'), 'utf8'));
    server = tls.createServer({
      cert: certificates[0],
      key: privateKey,
      ca: readFileSync(join(dir, 'dispatcher_ca.crt'), 'utf8'),
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('secureConnection', (socket) => {
      seen.push({ authorized: socket.authorized, clientSubject: socket.getPeerCertificate().subject });
      socket.end('hello\n');
    });
    server.on('tlsClientError', (err, socket) =>
      rejected.push({ message: err.message, authorizationError: socket.authorizationError?.toString() }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes both sides when the device checks the DNS SAN (servername localhost)', async () => {
    seen.length = 0;
    const device = await connectDevice(port, readFileSync(join(dir, 'device.pem'), 'utf8'), providerCa(), 'localhost');
    assert.equal(device.error, undefined);
    assert.equal(device.authorized, true);
    assert.equal(device.serverSubject?.OU, 'ST Server');
    assert.equal(device.data, 'hello\n');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].authorized, true);
    assert.equal(seen[0].clientSubject.CN, '00408CABCDEF');
  });

  it('authorizes both sides when the device checks the IP SAN (no servername)', async () => {
    seen.length = 0;
    const device = await connectDevice(port, readFileSync(join(dir, 'device.pem'), 'utf8'), providerCa());
    assert.equal(device.error, undefined);
    assert.equal(device.authorized, true);
    assert.equal(seen[0]?.authorized, true);
    assert.equal(seen[0].clientSubject.CN, '00408CABCDEF');
  });

  it('device refuses the server for a host name not in the SAN', async () => {
    const device = await connectDevice(port, readFileSync(join(dir, 'device.pem'), 'utf8'), providerCa(), 'other.example.com');
    assert.equal(device.authorized, false);
    assert.match(String(device.error?.message), /altnames|Hostname\/IP does not match/);
  });

  it('server refuses a device certificate from another dispatcher CA', async () => {
    seen.length = 0;
    rejected.length = 0;
    const device = await connectDevice(port, readFileSync(join(dir, 'rogue-device.pem'), 'utf8'), providerCa(), 'localhost');
    // TLS 1.3: the device finishes its half of the handshake first, then the server drops it.
    assert.equal(device.data, '', 'the device never got application data');
    for (let i = 0; i < 100 && !rejected.some((r) => r.authorizationError); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.length, 0, 'no secure connection was established on the server');
    const failure = rejected.find((r) => r.authorizationError);
    assert.ok(failure, `server reported a client certificate verification failure (saw ${JSON.stringify(rejected)})`);
    assert.match(failure.authorizationError ?? '', /SIGNATURE|VERIFY|ISSUER|CERT/);
  });
});

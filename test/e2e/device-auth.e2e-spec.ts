import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { Client } from 'ssh2';
import { splitPem } from '@tether/pki';
import { OriginServer, TetherCluster, TetherProcess, freePort, viaProxy, waitFor, writeConfig } from '@tether/testing';

const MAC_OK = '00408c1b0001'; // a well-behaved device: proves the edge accepts what it should
const MAC_ROGUE = '00408c1b0002';
const MAC_CERT = '00408c1b0003'; // in the certificate of the hand-written client
const MAC_CLAIM = '00408c1b0004'; // the MAC that client claims as its SSH user
const MAC_NO_OU = '00408c1b0005';
const MAC_REFUSED = '00408c1b0006';

const notConnected = (mac: string) => `Request failed. (Reason: Device ${mac} is not connected.)\n`;

/** The agent's status line for a failed attempt: `<mac> -> <server>: <text> [<led>]: <detail>`. */
const statusLines = (p: TetherProcess, mac: string, server: string) =>
  p.output.split('\n').filter((l) => l.includes(`${mac} -> ${server}: `));

async function assertUnreachable(cluster: TetherCluster, mac: string): Promise<void> {
  const r = await viaProxy(cluster.userPort, `http://${mac}/`);
  assert.equal(r.status, 404, `${mac} must not be reachable`);
  assert.equal(r.body.toString(), notConnected(mac));
}

type SshOutcome = { ready: boolean; error?: string; closed: boolean };

/**
 * A device client written by hand (the agent always sends its own MAC): TLS with `certFile`, then
 * SSH as `username`. Resolves with whether SSH became ready, or how it ended, within `timeoutMs`.
 */
function handMadeDevice(port: number, certFile: string, caFile: string, username: string, timeoutMs = 8000): Promise<SshOutcome> {
  const { certificates, privateKey } = splitPem(readFileSync(certFile, 'utf8'));
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, cert: certificates.join(''), key: privateKey, ca: readFileSync(caFile) });
    const ssh = new Client();
    const outcome: SshOutcome = { ready: false, closed: false };
    const t = setTimeout(() => done(), timeoutMs);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(t);
      // A copy: closing below fires events that must not rewrite the outcome after the fact.
      resolve({ ...outcome });
      ssh.end();
      socket.destroy();
    };
    socket.once('error', (err) => {
      if (!outcome.ready && !outcome.error) outcome.error = `tls: ${err.message}`;
      done();
    });
    socket.once('secureConnect', () => {
      ssh.on('ready', () => {
        outcome.ready = true;
        done();
      });
      ssh.on('error', (err) => (outcome.error = err.message));
      ssh.on('close', () => {
        outcome.closed = true;
        done();
      });
      try {
        ssh.connect({ sock: socket, username, hostVerifier: () => true, readyTimeout: timeoutMs });
      } catch (err) {
        reject(err);
      }
    });
  });
}

describe('device authentication (TLS client certificate, SSH user, server certificate)', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let server0: string;
  const extra: TetherProcess[] = [];

  before(async () => {
    cluster = await TetherCluster.start({ edges: 1 });
    origin = await OriginServer.start();
    server0 = cluster.servers([0]);
    await cluster.agent(['--servers', server0, '--cert', await cluster.pki.deviceCert(MAC_OK), '--target', origin.url]);
    const ok = await viaProxy(cluster.userPort, `http://${MAC_OK}/ok`);
    assert.equal(ok.body.toString(), 'GET /ok', 'a good device is reachable');
  });
  after(async () => {
    await Promise.allSettled(extra.map((p) => p.stop()));
    await cluster?.stop();
    await origin?.close();
  });

  it('device certificate from another CA: refused at the TLS handshake, logged by the edge, never connected', async () => {
    const edge = cluster.edges[0].proc;
    // An operator must see who was refused and why: the peer address and a certificate reason.
    const refusal = /TLS handshake from 127\.0\.0\.1:\d+ failed: .*(certificate|CERT)/;
    const tlsFailuresBefore = edge.count(refusal);
    const agent = await cluster.agent(['--servers', server0, '--cert', await cluster.pki.rogueDeviceCert(MAC_ROGUE), '--target', origin.url], 0);
    // Two attempts, so "never connected" is not just "not yet" (backoff base 1 s).
    await waitFor(() => statusLines(agent, MAC_ROGUE, server0).length >= 2, 10_000, 'two failed attempts of the rogue device');
    await waitFor(() => edge.count(refusal) > tlsFailuresBefore, 5000, 'the edge logging the TLS failure').catch((err: Error) => {
      const lines = edge.output.split('\n').filter((l) => l.includes('TLS handshake'));
      throw new Error(`${err.message}; the edge logged:\n${lines.join('\n')}`);
    });
    assert.doesNotMatch(edge.output, new RegExp(`accepted.*${MAC_ROGUE}|${MAC_ROGUE}.*accepted`));
    assert.equal(agent.count(/connected to /), 0, agent.output);
    await assertUnreachable(cluster, MAC_ROGUE);
  });

  it('SSH user names another MAC than the certificate: refused and logged; neither MAC becomes reachable', async () => {
    const port = cluster.edges[0].clientPort;
    const cert = await cluster.pki.deviceCert(MAC_CERT);
    const ca = cluster.pki.providerCa;

    // Control: the same hand-made client with its own MAC gets through SSH authentication.
    const honest = await handMadeDevice(port, cert, ca, `1.${MAC_CERT}`);
    assert.equal(honest.ready, true, `the hand-made client works when honest: ${honest.error}`);

    const liar = await handMadeDevice(port, cert, ca, `1.${MAC_CLAIM}`);
    assert.equal(liar.ready, false, 'SSH must not become ready for a mismatched user');
    assert.ok(liar.closed || liar.error, 'the connection ends (authentication failure or close), it is not left hanging');
    await cluster.edges[0].proc.waitForOutput(
      new RegExp(`refused: SSH user "1\\.${MAC_CLAIM}" does not match the certificate MAC ${MAC_CERT}`),
      5000,
    );
    await assertUnreachable(cluster, MAC_CLAIM);
    await assertUnreachable(cluster, MAC_CERT);
  });

  it('server certificate without OU=ST Server: the agent refuses it and never connects', async () => {
    const [clientPort, grpcPort] = [await freePort(), await freePort()];
    const config = writeConfig(cluster.dir, 'edge-no-ou.conf', {
      stserverid: 'edge-no-ou',
      listen_client: `127.0.0.1:${clientPort}`,
      grpc_listen: `127.0.0.1:${grpcPort}`,
      cert_file: await cluster.pki.serverPemWithoutOu(),
      ca_cert_file: cluster.pki.dispatcherCa,
      redis_url: cluster.redis.url,
      presence_ttl: 6,
      keepalive: 2,
      loglevel: 4,
    });
    const edge = new TetherProcess(['edge', '--config', config]);
    extra.push(edge);
    await edge.waitForOutput(/listen_client on/);

    const server = `127.0.0.1:${clientPort}`;
    const agent = await cluster.agent(['--servers', server, '--cert', await cluster.pki.deviceCert(MAC_NO_OU), '--target', origin.url], 0);
    await waitFor(() => statusLines(agent, MAC_NO_OU, server).length >= 2, 10_000, 'two refused attempts');
    for (const line of statusLines(agent, MAC_NO_OU, server))
      assert.match(line, /: other error \[5 amber\/off flashes\]: server certificate lacks OU=ST Server$/);
    assert.equal(agent.count(/connected to /), 0, agent.output);
    assert.doesNotMatch(edge.output, /accepted/);
    await assertUnreachable(cluster, MAC_NO_OU);
  });

  it('nothing listens on the server port: the agent logs the "connection refused" LED status', async () => {
    const server = `127.0.0.1:${await freePort()}`;
    const agent = await cluster.agent(['--servers', server, '--cert', await cluster.pki.deviceCert(MAC_REFUSED), '--target', origin.url], 0);
    await waitFor(() => statusLines(agent, MAC_REFUSED, server).length >= 1, 10_000, 'a refused attempt');
    const [line] = statusLines(agent, MAC_REFUSED, server);
    assert.match(line, new RegExp(`${MAC_REFUSED} -> ${server.replace(/\./g, '\\.')}: connection refused \\[1 amber/green flash\\]: `));
    assert.match(line, /ECONNREFUSED/);
    assert.equal(agent.count(/connected to /), 0);
  });
});

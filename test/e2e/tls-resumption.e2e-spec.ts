import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TetherCluster, curl, literal, waitFor } from '@tether/testing';

const MAC = '00408c3d0001';

/** The value of one series in the text exposition of the edge on `port`. */
async function sample(port: number, series: string): Promise<number> {
  const r = await curl(['-sS', `http://127.0.0.1:${port}/metrics`]);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout
    .toString()
    .split('\n')
    .find((l) => l.startsWith(series + ' '));
  assert.ok(line, `${series} missing`);
  return Number(line.slice(series.length + 1));
}

describe('TLS resumption across edges (what keeps a reconnect storm cheap)', () => {
  let cluster: TetherCluster;
  const metricsPort: number[] = [];

  before(async () => {
    // Each edge picks its own metrics port and says which.
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { listen_metrics: '127.0.0.1:0' } });
    for (const e of cluster.edges) metricsPort.push(Number((await e.proc.waitForOutput(/listen_metrics on 127\.0\.0\.1:(\d+)/))[1]));
  });
  after(async () => {
    await cluster?.stop();
  });

  it('a device whose edge died resumes on the next edge of its list: no full handshake there', async () => {
    const agent = await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(MAC), '--simulate']);
    assert.match(agent.output, literal(`connected to 127.0.0.1:${cluster.edges[0].clientPort} `));
    assert.equal(await sample(metricsPort[0], 'tether_device_handshakes_total{result="ok"}'), 1);
    assert.equal(await sample(metricsPort[0], 'tether_device_tls_resumptions_total'), 0, 'the first connection is a full handshake');

    await cluster.edges[0].proc.stop('SIGKILL');
    await agent.waitForOutput(literal(`connected to 127.0.0.1:${cluster.edges[1].clientPort} `), 20_000);
    await waitFor(async () => (await sample(metricsPort[1], 'tether_device_handshakes_total{result="ok"}')) === 1, 5000, 'the device accepted on edge 1');
    // The session the agent kept (without edge 0's certificate) was resumed with edge 1's keys, derived from the same cert_file.
    assert.equal(await sample(metricsPort[1], 'tether_device_tls_resumptions_total'), 1);
  });
});

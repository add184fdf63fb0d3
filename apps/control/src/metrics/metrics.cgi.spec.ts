import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigHolder, parseConfig } from '@tether/config';
import { ClusterNode, MemoryClusterBus } from '@tether/cluster';
import { Logger, systemClock } from '@tether/telemetry';
import type { ControlDeps } from '../control.deps';
import { MetricsCgi } from './metrics.cgi';

async function call(cgi: MetricsCgi): Promise<{ status: number; body: string }> {
  const server = http.createServer((req, res) => void cgi.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/admin/metrics.cgi`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

const quiet = new Logger({ level: 0, sinks: [] });
const deps = (bus: MemoryClusterBus) => {
  const config = parseConfig('', 'c.conf', { env: {} });
  return { config, live: new ConfigHolder(config), bus, clock: systemClock, logger: quiet, version: '9.9.9' } as unknown as ControlDeps;
};

describe('metrics.cgi', () => {
  it('sums what the live members flushed and answered', async () => {
    const bus = new MemoryClusterBus();
    const nodes = ['e1', 'e2'].map((id) => new ClusterNode({ bus, role: 'edge', serverId: id, clock: systemClock, logger: quiet }));
    nodes.forEach((n, i) => {
      n.countTotals(() => ({ total_clients: 2 + i }));
      n.gauge(() => ({ current_clients: 1 }));
    });
    await Promise.all(nodes.map((n) => n.start()));
    const r = await call(new MetricsCgi(deps(bus)));
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body);
    assert.equal(j.current_clients, 2);
    assert.equal(j.total_clients, 5);
    assert.equal(j.server_version, '9.9.9');
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('answers 503 in the O3C form when the cluster state cannot be read (Redis away)', async () => {
    const bus = new MemoryClusterBus();
    bus.members = async () => {
      throw new Error('Connection is closed.');
    };
    const r = await call(new MetricsCgi(deps(bus)));
    assert.equal(r.status, 503);
    assert.equal(r.body, 'Request failed. (Reason: Cluster totals unavailable.)\n');
  });
});

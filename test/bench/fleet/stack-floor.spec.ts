import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { measureStackFloor, perConnection } from './stack-floor';

describe('stack floor', () => {
  it('20 devices over TLS with SSH inside all come up, and the idle window is measured', async () => {
    const f = await measureStackFloor({ connections: 20, layer: 'ssh', idleSeconds: 1, keepaliveSeconds: 1, serverEnv: {} });
    assert.equal(f.connections, 20);
    assert.equal(f.failed, 0);
    assert.ok(Number.isFinite(f.perConnectionKiB) && Number.isFinite(f.afterGc.heapUsed));
    assert.ok(f.cpuPercent >= 0 && f.idleSeconds === 1);
  });

  it('the TLS layer alone holds the connections without SSH', async () => {
    const f = await measureStackFloor({ connections: 10, layer: 'tls', idleSeconds: 1, keepaliveSeconds: 1, serverEnv: {} });
    assert.deepEqual([f.layer, f.connections, f.failed], ['tls', 10, 0]);
  });

  it('growth per connection: RSS in KiB as read, the V8 figures from bytes', () => {
    const base = { rss: 100_000, heapUsed: 10 * 2 ** 20, external: 0, newSpace: 2 ** 20, oldSpace: 8 * 2 ** 20 };
    const idle = { rss: 150_000, heapUsed: 20 * 2 ** 20, external: 2 ** 20, newSpace: 2 ** 20, oldSpace: 17 * 2 ** 20 };
    assert.deepEqual(perConnection(base, idle, 1000), { rss: 50, heapUsed: 10.24, external: 1.024, newSpace: 0, oldSpace: 9.216 });
  });
});

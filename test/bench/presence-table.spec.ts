import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { endToEndTable, lookupTable, PRESENCE_END, PRESENCE_START, PresenceRun, withPresenceSection } from './presence-table';

const small = (rps: number, p99Ms: number) => ({ requests: rps, rps, non2xx: 0, errors: 0, p50Ms: 1, p99Ms });
const run: PresenceRun = {
  date: 'D',
  mode: 'full',
  machine: 'M',
  redis: 'redis-server 7',
  fill: { devices: 100_000, seconds: 2 },
  bytesPerDevice: 250,
  stages: [
    { devices: 1000, sequentialUs: 50, concurrentUs: 10, concurrency: 32, redisSequentialCpuUs: 15, redisConcurrentCpuUs: 4 },
    { devices: 100_000, sequentialUs: 55, concurrentUs: 12.5, concurrency: 32, redisSequentialCpuUs: 16, redisConcurrentCpuUs: 4.5 },
  ],
  e2e: [
    {
      gateway: 'G',
      without: { keepAlive: { small: small(10_000, 5), gatewayCpuUs: 40, redisCpuUs: 1 }, perRequest: { small: small(3000, 9), gatewayCpuUs: 90, redisCpuUs: 6 } },
      with: { keepAlive: { small: small(9_000, 6), gatewayCpuUs: 44, redisCpuUs: 1.1 }, perRequest: { small: small(3000, 9), gatewayCpuUs: 90, redisCpuUs: 6 } },
      seconds: 3,
      perRequestSeconds: 2,
      rounds: 1,
      generator: 'wrk',
    },
  ],
  notes: [],
};

describe('presence report', () => {
  it('has a column per stage and derives lookups/s from the concurrent cost', () => {
    const t = lookupTable(run);
    assert.equal(t[0], '| figure | 1,000 devices in Redis | 100,000 devices in Redis |');
    assert.ok(t.some((l) => l === '| lookups/s, 32 at once | 100,000 | 80,000 |'), t.join('\n'));
    assert.ok(t.some((l) => l === '| redis-server CPU per lookup, one at a time (µs) | 15.0 | 16.0 |'), t.join('\n'));
  });

  it('compares with and without the records', () => {
    const t = endToEndTable(run.e2e[0]);
    assert.ok(t.some((l) => l.startsWith('| keep-alive (routed once per connection): small requests/s') && l.endsWith('| 10,000 | 9,000 | 0.90x |')), t.join('\n'));
    assert.ok(t.some((l) => l === '| keep-alive (routed once per connection): p99 latency (ms) | 5.00 | 6.00 | 1.20x |'));
    assert.ok(t.some((l) => l.startsWith('| new connection per request (routed every request): small requests/s (1 KiB, 32 conns, 2 s × 1)')));
    assert.equal(t[0], 'G:');
  });

  it('replaces its own section only, or adds it before the Observations', () => {
    const doc = '# B\n\n## Latest run\n\nx\n\n## Observations\n\ny\n';
    const once = withPresenceSection(doc, run);
    assert.ok(once.indexOf(PRESENCE_START) < once.indexOf('## Observations'));
    assert.ok(once.includes('\n## Latest run\n\nx\n'));
    const twice = withPresenceSection(once, { ...run, date: 'E' });
    assert.equal(twice.split(PRESENCE_START).length, 2);
    assert.equal(twice.split(PRESENCE_END).length, 2);
    assert.ok(twice.includes('Run of E') && !twice.includes('Run of D'));
    assert.ok(twice.endsWith('## Observations\n\ny\n'));
  });
});

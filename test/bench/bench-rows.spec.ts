import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { concurrencyRows, latencyRows, mjpegRows } from './bench-rows';
import { markdownTable, met, Row } from './bench-table';
import type { RateResult } from './rate-generator';

const rate = (p50: number, p99: number) => ({ p50, p99, p999: p99 * 2 }) as RateResult;
const find = (rows: Row[], start: string) => rows.find((r) => r.figure.startsWith(start))!;

describe('bench rows', () => {
  it('subtracts direct for the added latency and judges tether against the 5 ms goal', () => {
    const rows = latencyRows({
      rate: 1000,
      seconds: 3,
      results: { direct: rate(0.5, 1), openssh: rate(2, 40), tether: rate(1.5, 7) },
      ownCpu: { direct: undefined, openssh: 20, tether: 40 },
    });
    const added = find(rows, 'fixed rate: added p99');
    assert.equal(added.direct, undefined);
    assert.equal(added.openssh, 39);
    assert.equal(added.tether, 6);
    assert.equal(met(added), false);
    assert.equal(met({ ...added, tether: 4.9 }), true);
    assert.equal(find(rows, 'CPU at 1,000 req/s: the path\'s own processes per request').tether, 400);
    assert.match(markdownTable([added]), /\| <= 5 ms \| no \|$/);
  });

  it('gives 1 and 256 users their own rows', () => {
    const r = (rps: number) => ({ requests: 1, rps, non2xx: 0, errors: 0, p50Ms: 1, p99Ms: 2 });
    const rows = concurrencyRows({ tether: { 1: r(10), 256: r(20) }, direct: { 1: r(100) } }, [1, 256], 2);
    assert.deepEqual(rows.map((x) => x.figure.split(':')[0]), ['closed loop, 1 user', 'closed loop, 1 user', 'closed loop, 1 user', 'closed loop, 256 users', 'closed loop, 256 users', 'closed loop, 256 users']);
    assert.equal(rows[0].tether, 10);
    assert.equal(rows[3].direct, undefined);
  });

  it('counts streams that all got nothing as starving, not as no figure', () => {
    const base = { streams: 50, devices: 10, seconds: 5, totalMBps: 0, framesPerSecond: 0, failed: ['x'] };
    const starving = find(mjpegRows({ result: { ...base, perStream: { min: 0, median: 0, max: 0, minOverMedian: NaN } }, frame: 'f', cpu: {} }), 'MJPEG: slowest');
    assert.equal(starving.tether, 0);
    assert.equal(met(starving), false);
    const fair = find(mjpegRows({ result: { ...base, failed: [], perStream: { min: 1, median: 2, max: 3, minOverMedian: 0.5 } }, frame: 'f', cpu: {} }), 'MJPEG: slowest');
    assert.equal(met(fair), true);
  });
});

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { bucketOf, bucketUpperUs, LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('puts a value in the bucket whose bound is the next one up (exact bounds stay in their bucket)', () => {
    for (const us of [1.5, 10, 99.9, 1000, 123_456, 5e6]) {
      const b = bucketOf(us);
      assert.ok(bucketUpperUs(b) >= us * (1 - 1e-9), `${us} <= upper(${b})`);
      assert.ok(bucketUpperUs(b - 1) < us, `${us} > upper(${b - 1})`);
    }
    assert.equal(bucketOf(bucketUpperUs(300)), 300);
    assert.equal(bucketOf(0), 0);
    assert.equal(bucketOf(-5), 0);
  });

  it('gives percentiles within 1 % of the exact ones', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 1; i <= 10_000; i++) {
      const ms = 0.05 + ((i * 7919) % 10_000) / 1000; // 0.05 .. 10.05 ms, shuffled
      values.push(ms);
      h.record(ms);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = values[Math.ceil((values.length * p) / 100) - 1];
      const got = h.percentile(p);
      assert.ok(got >= exact * 0.999 && got <= exact * 1.011, `p${p}: ${got} vs ${exact}`);
    }
    assert.equal(h.percentile(100), values[values.length - 1]);
    assert.equal(h.percentile(0), values[0]);
    assert.equal(h.count, 10_000);
  });

  it('sees one slow request in a thousand at p99.9 but not at p99', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 999; i++) h.record(1);
    h.record(250);
    assert.ok(h.percentile(99) <= 1.01);
    assert.ok(h.percentile(99.9) <= 1.01);
    assert.equal(h.percentile(99.95), 250);
  });

  it('is 0 when empty and its CDF rises to 1', () => {
    const h = new LatencyHistogram();
    assert.equal(h.percentile(99), 0);
    assert.deepEqual(h.cdf(), []);
    for (const ms of [1, 1, 2, 4]) h.record(ms);
    const cdf = h.cdf();
    assert.equal(cdf.length, 3);
    assert.deepEqual(
      cdf.map(([, f]) => f),
      [0.5, 0.75, 1],
    );
    assert.equal(cdf[cdf.length - 1][0], 4);
    for (let i = 1; i < cdf.length; i++) assert.ok(cdf[i][0] > cdf[i - 1][0]);
  });
});

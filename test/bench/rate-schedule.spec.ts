import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { dueAtMs, dueCount, requestsIn } from './rate-schedule';

describe('rate schedule', () => {
  it('spaces requests evenly at the rate', () => {
    assert.equal(dueAtMs(0, 1000), 0);
    assert.equal(dueAtMs(1, 1000), 1);
    assert.equal(dueAtMs(1500, 1000), 1500);
    assert.equal(dueAtMs(2, 250), 8);
  });

  it('makes request i due exactly at its time, not a rounding later', () => {
    for (const rate of [3, 7, 1000, 1234]) {
      for (let i = 0; i < 2000; i += 37) {
        assert.equal(dueCount(dueAtMs(i, rate), rate, Infinity), i + 1, `rate ${rate}, request ${i}`);
        if (i > 0) assert.equal(dueCount(dueAtMs(i, rate) - 0.01, rate, Infinity), i, `rate ${rate}, just before ${i}`);
      }
    }
  });

  it('counts nothing before the start and never more than the run', () => {
    assert.equal(dueCount(-1, 1000, 10), 0);
    assert.equal(dueCount(0, 1000, 10), 1);
    assert.equal(dueCount(1e6, 1000, 10), 10);
  });

  it('sizes a run', () => {
    assert.equal(requestsIn(3, 1000), 3000);
    assert.equal(requestsIn(0.5, 3), 2);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { pooledRandomFill } from './random-pool';

describe('pooled randomFillSync (SSH packet padding)', () => {
  it('fills exactly the asked range, leaving the rest of the buffer alone', () => {
    const fill = pooledRandomFill(crypto.randomFillSync);
    const buf = Buffer.alloc(64, 0xaa);
    fill(buf, 10, 20);
    assert.ok(buf.subarray(0, 10).every((b) => b === 0xaa));
    assert.ok(buf.subarray(30).every((b) => b === 0xaa));
    assert.ok(buf.subarray(10, 30).some((b) => b !== 0xaa), 'the range was filled');
  });

  it('never hands out the same bytes twice, across pool refills', () => {
    let calls = 0;
    const counting = ((b: Buffer) => {
      calls++;
      return crypto.randomFillSync(b);
    }) as typeof crypto.randomFillSync;
    const fill = pooledRandomFill(counting, 1024);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.alloc(16);
      fill(b, 0, 16);
      const hex = b.toString('hex');
      assert.ok(!seen.has(hex), `16 bytes repeated after ${i} draws`);
      seen.add(hex);
    }
    assert.ok(calls >= 15 && calls <= 17, `${calls} refills of 1 KiB for 16,000 bytes`);
  });

  it('passes large or unusual requests to the original, which throws as before for bad ranges', () => {
    const asked: unknown[][] = [];
    const spy = ((...a: unknown[]) => {
      asked.push(a);
      return (crypto.randomFillSync as (...x: unknown[]) => unknown)(...a);
    }) as unknown as typeof crypto.randomFillSync;
    const fill = pooledRandomFill(spy);
    fill(Buffer.alloc(1024));
    fill(new Uint32Array(4));
    assert.equal(asked.length, 2, 'a 1 KiB request and a Uint32Array go to OpenSSL');
    assert.throws(() => fill(Buffer.alloc(8), 4, 10), RangeError);
  });
});

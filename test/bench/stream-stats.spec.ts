import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { BoundaryCounter, spread } from './stream-stats';

const PART = (i: number) => `--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\n\r\nJPEG${i % 10}\r\n`;

describe('BoundaryCounter', () => {
  it('counts every part however the bytes are cut, also across chunk edges', () => {
    const body = Buffer.from(Array.from({ length: 40 }, (_, i) => PART(i)).join('') + '--myboundary--\r\n');
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const maxChunk of [1, 2, 5, 13, 14, 15, 64, body.length]) {
      for (let round = 0; round < 5; round++) {
        const c = new BoundaryCounter('--myboundary\r\n');
        for (let off = 0; off < body.length; ) {
          const n = 1 + Math.floor(rand() * maxChunk);
          c.push(body.subarray(off, off + n));
          off += n;
        }
        assert.equal(c.count, 40, `chunks up to ${maxChunk} bytes`);
      }
    }
  });

  it('does not count the closing boundary or a near miss', () => {
    const c = new BoundaryCounter('--b\r\n');
    c.push(Buffer.from('--b\r'));
    c.push(Buffer.from('x--b--\r\n--b'));
    c.push(Buffer.from('\r\n'));
    assert.equal(c.count, 1);
  });
});

describe('spread', () => {
  it('finds min, median, max and min/median', () => {
    assert.deepEqual(spread([4, 1, 3]), { min: 1, median: 3, max: 4, minOverMedian: 1 / 3 });
    assert.equal(spread([1, 2, 3, 4]).median, 2.5);
    assert.equal(spread([0, 5, 5, 5]).minOverMedian, 0);
    assert.ok(Number.isNaN(spread([]).median));
    assert.ok(Number.isNaN(spread([0, 0]).minOverMedian));
  });
});

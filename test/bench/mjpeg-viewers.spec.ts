import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { summarize } from './mjpeg-viewers';

describe('MJPEG summary', () => {
  it('adds up the streams and shows a starving one as min/median ~ 0', () => {
    const r = summarize(
      {
        seconds: 2,
        streams: [
          { mac: 'a', status: 200, bytes: 4e6, frames: 100 },
          { mac: 'b', status: 200, bytes: 6e6, frames: 150 },
          { mac: 'a', status: 200, bytes: 0, frames: 0 },
        ],
      },
      2,
    );
    assert.equal(r.totalMBps, 5);
    assert.equal(r.framesPerSecond, 125);
    assert.deepEqual(r.perStream, { min: 0, median: 2, max: 3, minOverMedian: 0 });
    assert.deepEqual(r.failed, []);
  });

  it('lists streams that were refused or broke off', () => {
    const r = summarize(
      {
        seconds: 1,
        streams: [
          { mac: 'a', status: 502, bytes: 10, frames: 0 },
          { mac: 'b', status: 200, bytes: 10, frames: 1, error: 'socket hang up' },
        ],
      },
      2,
    );
    assert.equal(r.streams, 2);
    assert.deepEqual(r.failed, ['stream 0 (a): HTTP 502', 'stream 1 (b): HTTP 200, socket hang up']);
    // Both delivered something, but a stream that stopped is starving: 0 in the per-stream figures.
    assert.equal(r.perStream.max, 0);
    assert.equal(r.totalMBps, 20e-6);
  });
});

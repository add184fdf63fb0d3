import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Clock } from '@tether/telemetry';
import { MjpegStream } from './mjpeg.stream';

/** A clock whose intervals run only when the test says so. */
function manualClock() {
  const intervals = new Map<number, () => void>();
  let next = 1;
  const clock: Clock = {
    now: () => 0,
    setTimeout: () => ({}),
    clearTimeout: () => undefined,
    setInterval: (fn) => {
      intervals.set(next, fn);
      return next++ as unknown as { unref?(): void };
    },
    clearInterval: (h) => void intervals.delete(h as number),
  };
  return { clock, intervals, tick: (n = 1) => { for (let i = 0; i < n; i++) for (const fn of [...intervals.values()]) fn(); } };
}

/** A reader that takes nothing until `release()`; write() says false as soon as one part waits. */
function stalledSink() {
  const pending: Array<() => void> = [];
  const sink = new Writable({ highWaterMark: 1, write: (_chunk, _enc, cb) => void pending.push(cb) });
  return { sink, pending, release: () => pending.splice(0).forEach((cb) => cb()) };
}

describe('MjpegStream back-pressure', () => {
  it('skips frames while the sink has not drained, and resumes after drain', async () => {
    const { clock, intervals, tick } = manualClock();
    const { sink, pending, release } = stalledSink();
    const stream = new MjpegStream(sink, { fps: 30, width: 64, height: 48, clock });
    stream.start();
    assert.equal(stream.sent, 1, 'first frame at once');
    tick(100);
    assert.equal(stream.sent, 1, 'nothing more queued while stalled');
    assert.equal(stream.skipped, 100);
    assert.ok(sink.writableLength < 2000, `buffered ${sink.writableLength} bytes`);
    assert.equal(pending.length, 1);

    release();
    await new Promise((r) => setImmediate(r)); // 'drain' is emitted on the next tick
    tick();
    assert.equal(stream.sent, 2);

    stream.stop(true);
    assert.equal(intervals.size, 0, 'timer cleared');
    assert.equal(sink.writableEnded, true);
    release();
  });

  it('stops its timer by itself once the sink is destroyed', () => {
    const { clock, intervals, tick } = manualClock();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const stream = new MjpegStream(sink, { fps: 10, width: 16, height: 16, clock });
    stream.start();
    tick(3);
    assert.equal(stream.sent, 4);
    sink.destroy();
    tick();
    assert.equal(stream.running, false);
    assert.equal(intervals.size, 0);
  });
});

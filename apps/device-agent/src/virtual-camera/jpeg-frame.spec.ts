import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from './jpeg.frame';

/** Marker segments before the scan: [marker, payload]. */
function segments(jpeg: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let at = 2;
  while (at < jpeg.length) {
    assert.equal(jpeg[at], 0xff);
    const marker = jpeg[at + 1];
    const len = jpeg.readUInt16BE(at + 2);
    out.push([marker, jpeg.subarray(at + 4, at + 2 + len)]);
    at += 2 + len;
    if (marker === 0xda) break;
  }
  return out;
}

describe('encodeFrame', () => {
  it('builds a baseline JPEG of the asked size with the counter in a COM segment', () => {
    const jpeg = encodeFrame({ width: 100, height: 50, counter: 42 });
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
    assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9]);
    const segs = new Map(segments(jpeg));
    assert.equal(segs.get(0xfe)?.toString(), 'tether virtual camera frame 42');
    const sof = segs.get(0xc0)!;
    assert.deepEqual({ h: sof.readUInt16BE(1), w: sof.readUInt16BE(3) }, { h: 50, w: 100 });
    assert.ok(segs.has(0xdb) && segs.has(0xc4) && segs.has(0xda));
  });

  it('stuffs every 0xFF in the entropy-coded data', () => {
    const jpeg = encodeFrame({ width: 640, height: 480, counter: 5 });
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const scan = jpeg.subarray(sos + 2 + jpeg.readUInt16BE(sos + 2), -2);
    for (let i = 0; i < scan.length; i++) if (scan[i] === 0xff) assert.equal(scan[i + 1], 0x00, `at ${i}`);
  });

  it('makes consecutive frames differ, and stays small', () => {
    const a = encodeFrame({ width: 640, height: 480, counter: 0 });
    const b = encodeFrame({ width: 640, height: 480, counter: 1 });
    assert.notDeepEqual(a, b);
    assert.ok(a.length < 5000, `${a.length} bytes`);
  });

  it('refuses sizes it cannot encode', () => {
    assert.throws(() => encodeFrame({ width: 0, height: 10, counter: 0 }), RangeError);
    assert.throws(() => encodeFrame({ width: 4000, height: 10, counter: 0 }), RangeError);
  });
});

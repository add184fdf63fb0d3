import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyFramer, FramingError } from './body.framer';

/** A small seeded generator: the random splits are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEXT = Buffer.from('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');

/**
 * Feeds `stream` to a fresh framer in the pieces `cuts` makes (offsets into `stream`), each piece as
 * its own buffer; returns how many bytes the framer claimed and whether it said done.
 */
function feed(make: () => BodyFramer, stream: Buffer, cuts: number[]): { consumed: number; done: boolean; doneAt: number } {
  const f = make();
  let consumed = 0;
  let doneAt = -1;
  const points = [0, ...cuts.filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length];
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = stream.subarray(points[i], points[i + 1]);
    const n = f.consume(piece, 0);
    assert.ok(n >= 0 && n <= piece.length, `consumed ${n} of a ${piece.length}-byte piece`);
    consumed += n;
    if (f.done && doneAt < 0) doneAt = consumed;
    if (n < piece.length) {
      // Once the framer leaves bytes over, the body has ended: nothing later is claimed.
      assert.equal(f.done, true, 'bytes left over although the body did not end');
    }
  }
  return { consumed, done: f.done, doneAt };
}

/** Asserts the body of `body.length` bytes ends exactly there for one-byte feeding, every single cut and random cuts. */
function assertEndsExactly(make: () => BodyFramer, body: Buffer, seed = 1): void {
  const stream = Buffer.concat([body, NEXT]);
  const bytewise = feed(make, stream, Array.from({ length: stream.length }, (_, i) => i));
  assert.deepEqual(bytewise, { consumed: body.length, done: true, doneAt: body.length }, 'fed one byte at a time');
  for (let cut = 0; cut <= stream.length; cut++) {
    assert.deepEqual(feed(make, stream, [cut]), { consumed: body.length, done: true, doneAt: body.length }, `split at byte ${cut}`);
  }
  const rnd = prng(seed);
  for (let round = 0; round < 200; round++) {
    const cuts = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * stream.length));
    assert.deepEqual(feed(make, stream, cuts), { consumed: body.length, done: true, doneAt: body.length }, `random cuts ${cuts.join(',')}`);
  }
  // Also through the `off` argument, the way the connection walks one buffer holding several messages.
  const prefix = Buffer.from('HTTP/1.1 200 OK\r\n\r\n');
  const f = make();
  const whole = Buffer.concat([prefix, stream]);
  assert.equal(f.consume(whole, prefix.length), body.length);
  assert.equal(f.done, true);
  assert.equal(f.consume(whole, prefix.length + body.length), 0, 'a finished body claims nothing more');
}

describe('BodyFramer.length', () => {
  it('ends exactly after N bytes, whatever the splits, leaving the next message unconsumed', () => {
    for (const n of [1, 2, 7, 300]) assertEndsExactly(() => BodyFramer.length(n), Buffer.alloc(n, 0x61), n);
  });

  it('a zero length is done before any byte and claims nothing', () => {
    const f = BodyFramer.length(0);
    assert.equal(f.done, true);
    assert.equal(f.consume(NEXT, 0), 0);
  });

  it('counts across many buffers and takes bytes that look like HTTP as body', () => {
    const f = BodyFramer.length(10);
    assert.equal(f.consume(Buffer.from('0\r\n\r\n'), 0), 5);
    assert.equal(f.done, false);
    assert.equal(f.consume(Buffer.from('HTTP/1.1 200'), 0), 5);
    assert.equal(f.done, true);
  });

  it('claims nothing from an empty buffer or from an offset at the end', () => {
    const f = BodyFramer.length(3);
    assert.equal(f.consume(Buffer.alloc(0), 0), 0);
    assert.equal(f.consume(Buffer.from('abc'), 3), 0);
    assert.equal(f.done, false);
  });
});

describe('BodyFramer.chunked', () => {
  const bodies: Array<[string, string]> = [
    ['one chunk, lower-case hex', '5\r\nhello\r\n0\r\n\r\n'],
    ['sizes in upper and lower case hex, several chunks', 'A\r\n0123456789\r\na\r\nabcdefghij\r\n1F\r\n' + 'x'.repeat(31) + '\r\n1f\r\n' + 'y'.repeat(31) + '\r\n0\r\n\r\n'],
    ['chunk extensions, with and without values, quoted', '5;name=value\r\nhello\r\n3;a;b="q;\\"x"\r\nabc\r\n0;last\r\n\r\n'],
    ['whitespace before an extension', '4 ;ext\r\nwiki\r\n0\r\n\r\n'],
    ['trailers after the last chunk', '3\r\nabc\r\n0\r\nExpires: never\r\nX-Checksum: 1234\r\n\r\n'],
    ['leading zeros in the sizes', '0005\r\nhello\r\n000\r\n\r\n'],
    ['chunk data holding CRLFs and a fake last chunk', 'c\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n0\r\n\r\n'],
    ['an empty body: only the last chunk', '0\r\n\r\n'],
  ];
  for (const [name, text] of bodies) {
    it(`${name}: ends exactly at the end of the body, fed one byte at a time, split at every byte and at random`, () => {
      assertEndsExactly(() => BodyFramer.chunked(), Buffer.from(text, 'latin1'), text.length);
    });
  }

  it('a large binary chunk (64 KiB) whose data contains CR LF and hex digits', () => {
    const data = Buffer.alloc(65536);
    for (let i = 0; i < data.length; i++) data[i] = [0x0d, 0x0a, 0x30, 0x41][i % 4];
    const body = Buffer.concat([Buffer.from('10000\r\n'), data, Buffer.from('\r\n0\r\n\r\n')]);
    const stream = Buffer.concat([body, NEXT]);
    const rnd = prng(7);
    for (let round = 0; round < 50; round++) {
      const cuts = Array.from({ length: 20 }, () => Math.floor(rnd() * stream.length));
      assert.deepEqual(feed(() => BodyFramer.chunked(), stream, cuts), { consumed: body.length, done: true, doneAt: body.length });
    }
  });

  it('accepts a bare LF after the chunk size', () => {
    const f = BodyFramer.chunked();
    const body = Buffer.from('3\nabc\r\n0\n\r\n');
    assert.equal(f.consume(Buffer.concat([body, NEXT]), 0), body.length);
    assert.equal(f.done, true);
  });

  it('is not done until the blank line after the last chunk (or its trailers) arrived', () => {
    const f = BodyFramer.chunked();
    assert.equal(f.consume(Buffer.from('0\r\n'), 0), 3);
    assert.equal(f.done, false);
    assert.equal(f.consume(Buffer.from('X-T: 1\r\n'), 0), 8);
    assert.equal(f.done, false);
    assert.equal(f.consume(Buffer.from('\r\nGET'), 0), 2);
    assert.equal(f.done, true);
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['a size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n', /missing chunk size/],
    ['an empty size line', '\r\nhello\r\n0\r\n\r\n', /missing chunk size/],
    ['a negative size', '-5\r\nhello\r\n0\r\n\r\n', /missing chunk size/],
    ['a size followed by junk', '5x\r\nhello\r\n0\r\n\r\n', /invalid chunk size/],
    ['a 0x prefix', '0x5\r\nhello\r\n0\r\n\r\n', /invalid chunk size/],
    ['a size of 13 hex digits', '1000000000000\r\n', /chunk size too large/],
    ['a CR not followed by LF after the size', '5\rhello\r\n0\r\n\r\n', /invalid chunk size line/],
    ['chunk data longer than its size', '3\r\nhello\r\n0\r\n\r\n', /chunk data longer than its size/],
    ['chunk data not followed by CRLF', '5\r\nhelloX\r\n0\r\n\r\n', /chunk data longer than its size/],
    ['CR after chunk data not followed by LF', '5\r\nhello\rX0\r\n\r\n', /chunk data longer than its size/],
  ];
  for (const [name, text, message] of invalid) {
    it(`throws FramingError for ${name}, fed whole or one byte at a time`, () => {
      assert.throws(
        () => BodyFramer.chunked().consume(Buffer.from(text, 'latin1'), 0),
        (err: Error) => err instanceof FramingError && message.test(err.message),
      );
      const f = BodyFramer.chunked();
      const bytes = Buffer.from(text, 'latin1');
      assert.throws(() => {
        for (let i = 0; i < bytes.length; i++) f.consume(bytes.subarray(i, i + 1), 0);
      }, FramingError);
    });
  }

  it('accepts a 12-hex-digit size (the largest it counts)', () => {
    const f = BodyFramer.chunked();
    assert.equal(f.consume(Buffer.from('ffffffffffff\r\nab'), 0), 16);
    assert.equal(f.done, false);
  });
});

describe('BodyFramer.untilClose', () => {
  it('takes every byte it is given and never ends by itself', () => {
    const f = BodyFramer.untilClose();
    assert.equal(f.kind, 'untilClose');
    assert.equal(f.consume(Buffer.from('0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'), 0), 24);
    assert.equal(f.consume(Buffer.from('abcdef'), 2), 4);
    assert.equal(f.consume(Buffer.alloc(0), 0), 0);
    assert.equal(f.done, false);
  });
});

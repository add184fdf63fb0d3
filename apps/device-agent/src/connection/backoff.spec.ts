import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, parseServerList, splitHostPort } from './backoff';

describe('reconnect backoff', () => {
  it('doubles the ceiling per failure up to the maximum (full jitter at the top of the range)', () => {
    const b = new Backoff({ baseMs: 1000, maxMs: 8000, random: () => 0.999999 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [999, 1999, 3999, 7999, 7999]);
  });
  it('spreads a fleet: the same failure count gives different waits', () => {
    const waits = Array.from({ length: 50 }, () => new Backoff({ baseMs: 1000, maxMs: 60000 }).next());
    assert.ok(new Set(waits).size > 40, 'jitter spreads the waits');
    assert.ok(waits.every((w) => w >= 0 && w < 1000));
  });
  it('starts over after a success', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 10000, random: () => 0.5 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 50);
  });
});

describe('server lists', () => {
  it('parses host:port lists and IPv6 literals', () => {
    assert.deepEqual(parseServerList(' a.example:8443, 10.0.0.1:1 ,,'), ['a.example:8443', '10.0.0.1:1']);
    assert.deepEqual(splitHostPort('[::1]:8443'), { host: '::1', port: 8443 });
    assert.throws(() => splitHostPort('nohost'), /not host:port/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestChallengeCache } from './digest-challenge.cache';
import { DigestChallenge } from '@tether/protocol';

const ch = (nonce: string): DigestChallenge => ({ realm: 'r', nonce, opaque: undefined, algorithm: 'MD5', qop: 'auth', stale: false });

describe('DigestChallengeCache', () => {
  it('keeps maxSize devices, dropping the least recently used', () => {
    const c = new DigestChallengeCache(3);
    c.setDigest('a', ch('1'));
    c.setBasic('b');
    c.setDigest('c', ch('3'));
    assert.ok(c.get('a')); // a is now the most recently used
    c.setBasic('d');
    assert.equal(c.size, 3);
    assert.equal(c.get('b'), undefined, 'b was the least recently used');
    assert.ok(c.get('a') && c.get('c') && c.get('d'));
  });

  it('a new nonce starts nc over; the same nonce again keeps its count', () => {
    const c = new DigestChallengeCache();
    c.setDigest('a', ch('1'));
    const e = c.get('a');
    assert.ok(e?.kind === 'digest');
    e.nc = 5;
    c.setDigest('a', ch('1'));
    assert.equal((c.get('a') as { nc: number }).nc, 5);
    c.setDigest('a', ch('2'));
    assert.equal((c.get('a') as { nc: number }).nc, 0);
  });

  it('a device that offered Digest and now offers none is remembered as Basic', () => {
    const c = new DigestChallengeCache();
    c.setDigest('a', ch('1'));
    c.setBasic('a');
    assert.deepEqual(c.get('a'), { kind: 'basic' });
  });
});

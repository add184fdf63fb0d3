import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthMode, InternalAuth } from './internal-auth';

const CREDS = { user: 'root', pass: 'pass' };
const BASIC = `Basic ${Buffer.from('root:pass').toString('base64')}`;
const DIGEST = 'Digest realm="r", nonce="n1", qop="auth"';

function auth(mode: AuthMode): InternalAuth {
  return new InternalAuth({ mode: () => mode, cnonce: () => 'c' });
}

describe('InternalAuth: what to send', () => {
  it('mode 1: Basic at once, whatever is cached', () => {
    const a = auth(1);
    a.learn('m', [DIGEST], true);
    assert.deepEqual(a.prepare('m', CREDS, 'GET', '/'), { kind: 'send', authorization: BASIC, nonce: null });
  });

  it('modes 0 and 2: a probe while nothing is known; Digest with a counting nc once a challenge is cached', () => {
    for (const mode of [0, 2] as const) {
      const a = auth(mode);
      assert.deepEqual(a.prepare('m', CREDS, 'GET', '/'), { kind: 'probe' });
      a.learn('m', [DIGEST, 'Basic realm="r"'], true);
      const first = a.prepare('m', CREDS, 'GET', '/a');
      const second = a.prepare('m', CREDS, 'GET', '/b');
      assert.ok(first.kind === 'send' && second.kind === 'send');
      assert.match(first.authorization ?? '', /^Digest .*nc=00000001/);
      assert.match(second.authorization ?? '', /nc=00000002/);
      assert.equal(first.nonce, 'n1');
    }
  });

  it('a probe without a Digest challenge: Basic in mode 0, nothing in mode 2', () => {
    const zero = auth(0);
    zero.learn('m', ['Basic realm="r"'], true);
    assert.deepEqual(zero.prepare('m', CREDS, 'GET', '/'), { kind: 'send', authorization: BASIC, nonce: null });
    const two = auth(2);
    two.learn('m', [], true);
    assert.deepEqual(two.prepare('m', CREDS, 'GET', '/'), { kind: 'send', authorization: undefined, nonce: null });
  });

  it('a 401 (not a probe) without a Digest challenge changes nothing cached', () => {
    const a = auth(0);
    a.learn('m', [DIGEST], true);
    a.learn('m', ['Basic realm="r"'], false);
    assert.equal(a.cache.get('m')?.kind, 'digest');
  });

  it('the mode is read per request (a live key)', () => {
    let mode: AuthMode = 1;
    const a = new InternalAuth({ mode: () => mode });
    assert.equal(a.prepare('m', CREDS, 'GET', '/').kind, 'send');
    mode = 0;
    assert.equal(a.prepare('m', CREDS, 'GET', '/').kind, 'probe');
  });
});

describe('InternalAuth: when a 401 is worth one resend', () => {
  it('a stale or different nonce: yes; the nonce the request used: no (wrong credentials); no Digest: no; mode 1: no', () => {
    const a = auth(0);
    const stale = a.learn('m', ['Digest realm="r", nonce="n1", qop="auth", stale=true'], false);
    assert.equal(a.worthRetry(stale, 'n1'), true);
    const rotated = a.learn('m', ['Digest realm="r", nonce="n2", qop="auth"'], false);
    assert.equal(a.worthRetry(rotated, 'n1'), true);
    assert.equal(a.worthRetry(rotated, 'n2'), false);
    assert.equal(a.worthRetry(a.learn('m', ['Basic realm="r"'], false), null), false);
    assert.equal(auth(1).worthRetry(rotated, null), false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestChallenge, digestAuthorization, digestResponse, parseAuthParams, parseChallenges } from './http-digest';

// RFC 7616 section 3.9.1: Mufasa / "Circle of Life", GET /dir/index.html
const RFC = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};
const rfcChallenge = (algorithm: string) =>
  `Digest realm="${RFC.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${RFC.nonce}", opaque="${RFC.opaque}"`;

describe('digest: responses (RFC 7616 3.9.1)', () => {
  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ]) {
    it(`${algorithm}: the response of the RFC example`, () => {
      const challenge = parseChallenges([rfcChallenge(algorithm)]).digest as DigestChallenge;
      assert.equal(challenge.algorithm, algorithm);
      assert.equal(challenge.qop, 'auth');
      const r = digestResponse({ challenge, user: 'Mufasa', pass: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: '00000001', cnonce: RFC.cnonce });
      assert.equal(r, expected);
    });
  }

  it('the Authorization value carries every parameter, echoes opaque and counts nc in 8 hex digits', () => {
    const challenge = parseChallenges([rfcChallenge('SHA-256')]).digest as DigestChallenge;
    const v = digestAuthorization(challenge, { user: 'Mufasa', pass: 'Circle of Life' }, 'GET', '/dir/index.html', 26, RFC.cnonce);
    assert.match(v, /^Digest /);
    const p = parseAuthParams(v.slice(7));
    assert.equal(p.get('username'), 'Mufasa');
    assert.equal(p.get('realm'), RFC.realm);
    assert.equal(p.get('nonce'), RFC.nonce);
    assert.equal(p.get('uri'), '/dir/index.html');
    assert.equal(p.get('algorithm'), 'SHA-256');
    assert.equal(p.get('qop'), 'auth');
    assert.equal(p.get('nc'), '0000001a');
    assert.equal(p.get('cnonce'), RFC.cnonce);
    assert.equal(p.get('opaque'), RFC.opaque);
    assert.equal(p.get('response'), digestResponse({ challenge, user: 'Mufasa', pass: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: '0000001a', cnonce: RFC.cnonce }));
  });

  it('RFC 2617 3.5: MD5 without algorithm; an RFC 2069 challenge (no qop) gets the short form without nc/cnonce', () => {
    const c = parseChallenges(['Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'])
      .digest as DigestChallenge;
    const r = digestResponse({ challenge: c, user: 'Mufasa', pass: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: '00000001', cnonce: '0a4f113b' });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
    const legacy = parseChallenges(['Digest realm="r", nonce="n"']).digest as DigestChallenge;
    assert.equal(legacy.qop, null);
    const v = digestAuthorization(legacy, { user: 'u', pass: 'p' }, 'GET', '/', 1, 'c');
    assert.doesNotMatch(v, /nc=|cnonce=|qop=/);
  });

  it('-sess variants hash the client nonce into HA1', () => {
    const a = parseChallenges(['Digest realm="r", nonce="n", qop=auth, algorithm=MD5-sess']).digest as DigestChallenge;
    const base = { challenge: a, user: 'u', pass: 'p', method: 'GET', uri: '/', nc: '00000001' };
    assert.notEqual(digestResponse({ ...base, cnonce: 'one' }), digestResponse({ ...base, challenge: { ...a, algorithm: 'MD5' }, cnonce: 'one' }));
  });

  it('quotes and backslashes in user names and realms are escaped', () => {
    const c = parseChallenges(['Digest realm="a \\"quoted\\" realm", nonce="n", qop="auth"']).digest as DigestChallenge;
    assert.equal(c.realm, 'a "quoted" realm');
    const p = parseAuthParams(digestAuthorization(c, { user: 'we"ird\\', pass: 'p' }, 'GET', '/', 1, 'c').slice(7));
    assert.equal(p.get('username'), 'we"ird\\');
    assert.equal(p.get('realm'), 'a "quoted" realm');
  });
});

describe('digest: reading WWW-Authenticate', () => {
  it('separate lines, or several challenges joined by commas (commas inside quotes do not split)', () => {
    assert.deepEqual(parseChallenges(['Basic realm="x"']), { digest: null, basic: true });
    const joined = parseChallenges(['Digest realm="a, b", nonce="n,1", qop="auth", algorithm=MD5, Basic realm="x"']);
    assert.equal(joined.basic, true);
    assert.equal(joined.digest?.realm, 'a, b');
    assert.equal(joined.digest?.nonce, 'n,1');
  });

  it('prefers SHA-256 over MD5 when both are offered; reads stale', () => {
    const ch = parseChallenges(['Digest realm="r", nonce="m", qop="auth", algorithm=MD5', 'Digest realm="r", nonce="s", qop="auth", algorithm=SHA-256, stale=TRUE']);
    assert.equal(ch.digest?.algorithm, 'SHA-256');
    assert.equal(ch.digest?.nonce, 's');
    assert.equal(ch.digest?.stale, true);
  });

  it('ignores challenges it cannot answer: unknown algorithm, auth-int only, no nonce', () => {
    assert.equal(parseChallenges(['Digest realm="r", nonce="n", algorithm=SHA-512-256']).digest, null);
    assert.equal(parseChallenges(['Digest realm="r", nonce="n", qop="auth-int"']).digest, null);
    assert.equal(parseChallenges(['Digest realm="r"']).digest, null);
    assert.deepEqual(parseChallenges(['Bearer realm="x"', 'garbage']), { digest: null, basic: false });
  });
});

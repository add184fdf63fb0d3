import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SERVERS, parseServerListArg } from './command-args';

const u = (q: string) => new URL(`http://admin/admin/serverlist.cgi?${q}`);

describe('serverlist.cgi servers argument', () => {
  it('takes address:port entries in order, spaces around commas ignored', () => {
    assert.deepEqual(parseServerListArg(u(`servers=${encodeURIComponent('a.example:8443, 10.0.0.2:1,[::1]:443')}`)), {
      ok: true,
      value: ['a.example:8443', '10.0.0.2:1', '[::1]:443'],
    });
    assert.deepEqual(parseServerListArg(u('servers=edge-1:8443')), { ok: true, value: ['edge-1:8443'] });
  });

  it('refuses a missing, empty, repeated, malformed, duplicated or too long list with the reason', () => {
    assert.deepEqual(parseServerListArg(u('')), { ok: false, reason: 'Missing argument servers' });
    assert.deepEqual(parseServerListArg(u('servers=')), { ok: false, reason: 'Missing argument servers' });
    assert.deepEqual(parseServerListArg(u('servers=a:1&servers=b:2')), { ok: false, reason: 'Argument servers given 2 times' });
    for (const bad of ['a:1,', ',a:1', 'a:1,,b:2', 'a', 'a:0', 'a:65536', 'a:-1', ':80', 'a b:1', '::1:443']) {
      const r = parseServerListArg(u(`servers=${encodeURIComponent(bad)}`));
      assert.equal(r.ok, false, bad);
      assert.match((r as { reason: string }).reason, /^Invalid server ".*" in servers: expected <address:port>/, bad);
    }
    assert.deepEqual(parseServerListArg(u('servers=a:1,b:2,a:1')), { ok: false, reason: 'Server "a:1" is listed twice in servers' });
    const many = Array.from({ length: MAX_SERVERS + 1 }, (_, i) => `s${i}:1`).join(',');
    assert.deepEqual(parseServerListArg(u(`servers=${many}`)), { ok: false, reason: `Too many servers: ${MAX_SERVERS + 1} (at most ${MAX_SERVERS})` });
  });
});

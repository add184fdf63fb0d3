import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientArg, parseServerArg } from './command-args';

const u = (q: string) => new URL(`http://admin/admin/redirect.cgi?${q}`);

describe('command arguments', () => {
  it('takes the client as a MAC in any case and with : or - separators', () => {
    for (const raw of ['00408cdc8194', '00408CDC8194', '00:40:8c:dc:81:94', '00-40-8C-DC-81-94'])
      assert.deepEqual(parseClientArg(u(`client=${raw}`)), { ok: true, value: { mac: '00408cdc8194' } }, raw);
  });

  it('takes the client as count.mac, as status.cgi lists it', () => {
    assert.deepEqual(parseClientArg(u('client=2.00408CDC8194')), { ok: true, value: { mac: '00408cdc8194', count: 2 } });
  });

  it('refuses a missing, empty, repeated or malformed client with the reason', () => {
    assert.deepEqual(parseClientArg(u('')), { ok: false, reason: 'Missing argument client' });
    assert.deepEqual(parseClientArg(u('client=')), { ok: false, reason: 'Missing argument client' });
    assert.deepEqual(parseClientArg(u('client=00408cdc8194&client=00408cdc8195')), {
      ok: false,
      reason: 'Argument client given 2 times',
    });
    for (const bad of ['00408cdc819', '00408cdc81944', 'zz408cdc8194', '00:40-8c:dc:81:94', 'x.00408cdc8194']) {
      const r = parseClientArg(u(`client=${encodeURIComponent(bad)}`));
      assert.equal(r.ok, false, bad);
      assert.match((r as { reason: string }).reason, new RegExp(`^Invalid client "${bad.replace('.', '\\.')}": expected a MAC address`));
    }
  });

  it('bounds the echo of a long bad client', () => {
    const r = parseClientArg(u(`client=${'a'.repeat(500)}`)) as { reason: string };
    assert.ok(r.reason.length < 200, r.reason);
  });

  it('takes the server as address:port (IPv4, name, [IPv6])', () => {
    for (const s of ['127.0.0.1:8081', 'o3c.example.com:443', '[::1]:8443', 'edge-2:1'])
      assert.deepEqual(parseServerArg(u(`server=${encodeURIComponent(s)}`)), { ok: true, value: s }, s);
  });

  it('refuses a missing or malformed server with the reason', () => {
    assert.deepEqual(parseServerArg(u('client=00408cdc8194')), { ok: false, reason: 'Missing argument server' });
    for (const bad of ['127.0.0.1', '127.0.0.1:', ':8081', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:80x', 'http://a:1', 'a b:1', '::1:8443']) {
      const r = parseServerArg(u(`server=${encodeURIComponent(bad)}`));
      assert.equal(r.ok, false, bad);
      assert.match((r as { reason: string }).reason, /^Invalid server ".*": expected <address:port> such as 127\.0\.0\.1:8081$/, bad);
    }
  });
});

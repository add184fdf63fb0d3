import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShortcutParamsError, parseShortcutParams, readShortcutParams } from './shortcut.params';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const parse = (query: string) => parseShortcutParams(readShortcutParams(new URL(`http://admin/admin/shortcut.cgi?${query}`).searchParams));
const refused = (query: string, reason: string | RegExp) =>
  assert.throws(
    () => parse(query),
    (e: unknown) => e instanceof ShortcutParamsError && (typeof reason === 'string' ? e.reason === reason : reason.test(e.reason)),
  );

describe('shortcut.cgi arguments', () => {
  it('reads the reference example: timeout in seconds, methods in order, url locked path and query', () => {
    const url = b64('http://00408C123456/axis-cgi/param.cgi?action=list');
    assert.deepEqual(parse(`timeout=10&allowmethods=POST,GET&url=${url}`), {
      mac: '00408c123456',
      path: '/axis-cgi/param.cgi',
      query: 'action=list',
      credentials: null,
      methods: ['POST', 'GET'],
      timeoutMs: 10_000,
    });
  });

  it('reads names with the indentation the multi-line example leaves in front of them', () => {
    const url = b64('http://00408C123456/axis-cgi/param.cgi?action=list');
    const spec = parse(`%20%20timeout=10&%20%20allowmethods=POST,GET&%20%20url=${url}`);
    assert.equal(spec.timeoutMs, 10_000);
    assert.deepEqual(spec.methods, ['POST', 'GET']);
  });

  it('defaults allowmethods to GET; methods are case-insensitive, deduplicated, blanks skipped', () => {
    const url = b64('http://00408c123456');
    assert.deepEqual(parse(`url=${url}&timeout=5`).methods, ['GET']);
    assert.deepEqual(parse(`url=${url}&timeout=5&allowmethods=`).methods, ['GET']);
    assert.deepEqual(parse(`url=${url}&timeout=5&allowmethods=get,%20Post,,GET,delete`).methods, ['GET', 'POST', 'DELETE']);
  });

  it('takes the url percent-encoded, URL-safe, unpadded, or with its + turned into a space by form decoding', () => {
    const text = 'http://00408c123456/a?b=>>>';
    const std = b64(text);
    for (const v of [encodeURIComponent(std), std.replace(/\+/g, '-').replace(/=+$/, ''), std])
      assert.equal(parse(`url=${v}&timeout=1`).query, 'b=>>>');
  });

  it('refuses a missing url or timeout', () => {
    refused('timeout=10', 'Missing required argument url');
    refused('url=&timeout=10', 'Missing required argument url');
    refused(`url=${b64('http://00408c123456/')}`, 'Missing required argument timeout');
    refused(`url=${b64('http://00408c123456/')}&timeout=`, 'Missing required argument timeout');
  });

  it('refuses a timeout that is not a positive whole number of seconds', () => {
    const url = b64('http://00408c123456/');
    for (const t of ['0', '-5', '1.5', 'ten', '1e3', '1000000000', '0x10'])
      refused(`url=${url}&timeout=${t}`, `timeout "${t}" is not a positive whole number of seconds`);
  });

  it('refuses an unknown method in allowmethods, naming it', () => {
    refused(`url=${b64('http://00408c123456/')}&timeout=1&allowmethods=GET,FETCH`, /^allowmethods names an unknown HTTP method "FETCH" \(known: HEAD, GET/);
    refused(`url=${b64('http://00408c123456/')}&timeout=1&allowmethods=CONNECT`, /unknown HTTP method "CONNECT"/);
  });

  it('refuses a url that is not base64, not http, or not to a MAC address', () => {
    refused('url=http://00408c123456/&timeout=1', 'url is not base64');
    refused(`url=${b64('https://00408c123456/')}&timeout=1`, /is not an http URL/);
    refused(`url=${b64('http://camera.local/')}&timeout=1`, 'url host "camera.local" is not a device MAC address');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShortcutUrlError, decodeShortcutBase64, parseShortcutUrl } from './shortcut-url.parser';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const refused = (fn: () => unknown, reason: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ShortcutUrlError && reason.test(e.reason));

describe('shortcut url: base64', () => {
  it('decodes the reference example (printf ... | base64 -w0)', () => {
    const text = 'http://00408C123456/axis-cgi/param.cgi?action=list';
    assert.equal(decodeShortcutBase64('aHR0cDovLzAwNDA4QzEyMzQ1Ni9heGlzLWNnaS9wYXJhbS5jZ2k/YWN0aW9uPWxpc3Q='), text);
  });

  it('accepts URL-safe base64 and missing padding', () => {
    const text = 'http://00408c123456/a?b=>>>?';
    const std = b64(text);
    assert.match(std, /[+/]/);
    const safe = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    assert.equal(decodeShortcutBase64(safe), text);
    assert.equal(decodeShortcutBase64(std), text);
  });

  it('reads a space as the + a form decoder made of it', () => {
    const text = 'http://00408c123456/a?b=>>>';
    const std = b64(text);
    assert.ok(std.includes('+'));
    assert.equal(decodeShortcutBase64(std.replace(/\+/g, ' ')), text);
  });

  it('refuses what is not base64, or not text', () => {
    refused(() => decodeShortcutBase64(''), /not base64/);
    refused(() => decodeShortcutBase64('http://00408c123456/'), /not base64/);
    refused(() => decodeShortcutBase64('abcde'), /not base64/); // 4n+1 characters
    refused(() => decodeShortcutBase64('ab=c'), /not base64/);
    refused(() => decodeShortcutBase64('abc=='), /not base64/);
    refused(() => decodeShortcutBase64(Buffer.from([0x68, 0x00, 0xff]).toString('base64')), /does not decode to a URL/);
    refused(() => decodeShortcutBase64(b64('http://00408c123456/a b')), /does not decode to a URL/);
  });
});

describe('shortcut url: http://[user:pass@]<mac>[/path][?query]', () => {
  it('takes the reference example apart: MAC normalised, path and query locked, no credentials', () => {
    assert.deepEqual(parseShortcutUrl('http://00408C123456/axis-cgi/param.cgi?action=list'), {
      mac: '00408c123456',
      path: '/axis-cgi/param.cgi',
      query: 'action=list',
      credentials: null,
    });
  });

  it('leaves path and query free when the url has none (nothing after the host)', () => {
    assert.deepEqual(parseShortcutUrl('http://00:40:8c:12:34:56'), { mac: '00408c123456', path: null, query: null, credentials: null });
    assert.deepEqual(parseShortcutUrl('HTTP://00-40-8C-12-34-56:80'), { mac: '00408c123456', path: null, query: null, credentials: null });
    assert.equal(parseShortcutUrl('http://00408c123456/').path, '/');
    assert.equal(parseShortcutUrl('http://00408c123456/x?').query, null);
    assert.deepEqual(parseShortcutUrl('http://00408c123456?a=1'), { mac: '00408c123456', path: null, query: 'a=1', credentials: null });
  });

  it('reads user:pass@ (percent-decoded) as the credentials towards the device', () => {
    assert.deepEqual(parseShortcutUrl('http://root:p%40ss:w@00408c123456/').credentials, { user: 'root', pass: 'p@ss:w' });
    assert.deepEqual(parseShortcutUrl('http://viewer@00408c123456/').credentials, { user: 'viewer', pass: '' });
  });

  it('drops a fragment: it never reaches a server', () => {
    assert.deepEqual(parseShortcutUrl('http://00408c123456/a?b=1#top'), { mac: '00408c123456', path: '/a', query: 'b=1', credentials: null });
  });

  it('refuses anything that is not an http URL to a device MAC, with a precise reason', () => {
    refused(() => parseShortcutUrl('https://00408c123456/'), /is not an http URL/);
    refused(() => parseShortcutUrl('00408c123456/axis-cgi'), /is not an http URL/);
    refused(() => parseShortcutUrl('http://camera.example.com/'), /host "camera\.example\.com" is not a device MAC address/);
    refused(() => parseShortcutUrl('http://00408c12345/'), /is not a device MAC address/);
    refused(() => parseShortcutUrl('http:///x'), /host "" is not a device MAC address/);
    refused(() => parseShortcutUrl('http://00408c123456:8080/'), /port 8080 cannot be reached/);
    refused(() => parseShortcutUrl('http://:pw@00408c123456/'), /credentials without a user name/);
    refused(() => parseShortcutUrl('http://root:%zz@00408c123456/'), /malformed password/);
  });

  it('never repeats credentials in a refusal', () => {
    refused(() => parseShortcutUrl('ftp://root:secret@00408c123456/'), /^url "ftp:\/\/00408c123456\/" is not an http URL/);
  });
});

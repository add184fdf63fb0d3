import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RequestRefusal,
  ResponseHeadError,
  headerTokens,
  parseRequestHead,
  parseResponseHead,
  requestBodyLength,
} from './http.head';

const MAC = '00408c1a0001';
const req = (...headers: string[]) => [`POST http://${MAC}/p HTTP/1.1`, ...headers].join('\r\n');

/** A 400 "Malformed request" that closes the connection. */
const malformed = (err: unknown) => err instanceof RequestRefusal && err.status === 400 && err.reason === 'Malformed request' && err.close;

describe('parseRequestHead', () => {
  it('reads method, target, version and the header lines in order, names lower-cased, values trimmed', () => {
    const info = parseRequestHead(
      [`GET http://${MAC}/a?b=1 HTTP/1.1`, `Host: ${MAC}`, 'X-Multi:  one, two  ', 'x-empty:', 'ACCEPT:*/*'].join('\r\n'),
    );
    assert.equal(info.method, 'GET');
    assert.equal(info.target, `http://${MAC}/a?b=1`);
    assert.equal(info.minor, 1);
    assert.deepEqual(info.lines, [`Host: ${MAC}`, 'X-Multi:  one, two  ', 'x-empty:', 'ACCEPT:*/*']);
    assert.deepEqual(info.names, ['host', 'x-multi', 'x-empty', 'accept']);
    assert.deepEqual(info.values, [MAC, 'one, two', '', '*/*']);
  });

  it('reads HTTP/1.0 and a head without any header', () => {
    const info = parseRequestHead(`HEAD http://${MAC}/ HTTP/1.0`);
    assert.equal(info.method, 'HEAD');
    assert.equal(info.minor, 0);
    assert.deepEqual(info.lines, []);
  });

  it('keeps a value that itself contains colons', () => {
    assert.deepEqual(parseRequestHead(req('Referer: http://a:80/b')).values, ['http://a:80/b']);
  });

  const refused: Array<[string, string]> = [
    ['an empty head', ''],
    ['garbage', 'hello'],
    ['a request line without a version', `GET http://${MAC}/`],
    ['HTTP/2.0', `GET http://${MAC}/ HTTP/2.0`],
    ['HTTP/1.2', `GET http://${MAC}/ HTTP/1.2`],
    ['a lower-case version', `GET http://${MAC}/ http/1.1`],
    ['two spaces in the request line', `GET  http://${MAC}/ HTTP/1.1`],
    ['a method that is not a token', `G(T http://${MAC}/ HTTP/1.1`],
    ['a header line without a colon', req('Host')],
    ['a header with an empty name', req(': value')],
    ['whitespace before the colon', req('Host : x')],
    ['obs-fold (a continuation line starting with a space)', req('X-A: one', ' two')],
    ['obs-fold (a continuation line starting with a tab)', req('X-A: one', '\ttwo: three')],
    ['a header name with a space', req('X A: 1')],
    ['an empty line inside the head', req('Host: x', '', 'X: y')],
  ];
  for (const [name, head] of refused) {
    it(`refuses ${name} with 400 Malformed request, closing`, () => {
      assert.throws(() => parseRequestHead(head), malformed);
    });
  }
});

describe('parseRequestHead: CR, LF and NUL inside a header line (RFC 9112 5.5: reject, or replace with SP before forwarding)', () => {
  // The head is cut at the first CRLFCRLF and split at CRLF: a bare LF or CR stays inside a line,
  // and the line is forwarded to the device as it is. A device whose parser takes a bare LF as a
  // line end then sees a header the gateway did not see (here a Content-Length): the two disagree
  // on where the message ends.
  for (const [name, line] of [
    ['a bare LF', 'X-A: a\nContent-Length: 5'],
    ['a bare CR', 'X-A: a\rContent-Length: 5'],
    ['a NUL', 'X-A: a\0b'],
  ]) {
    it(`${name} is refused or replaced, never forwarded`, () => {
      let info;
      try {
        info = parseRequestHead(req(line));
      } catch (err) {
        assert.ok(malformed(err), String(err));
        return;
      }
      for (const l of [...info.lines, ...info.values]) assert.doesNotMatch(l, /[\r\n\0]/, `forwarded ${JSON.stringify(l)}`);
    });
  }
});

describe('headerTokens', () => {
  it('collects comma-separated tokens of every header of that name, lower-cased, empty ones dropped', () => {
    const info = parseRequestHead(req('Connection: Keep-Alive, ,X-Foo', 'Host: h', 'connection: Upgrade'));
    assert.deepEqual(headerTokens(info, 'connection'), ['keep-alive', 'x-foo', 'upgrade']);
    assert.deepEqual(headerTokens(info, 'transfer-encoding'), []);
  });
});

describe('requestBodyLength', () => {
  const len = (...headers: string[]) => requestBodyLength(parseRequestHead(req(...headers)));

  it('is 0 without Content-Length or Transfer-Encoding', () => {
    assert.equal(len('Host: h'), 0);
  });
  it('is the Content-Length, also when repeated with the same value', () => {
    assert.equal(len('Content-Length: 42'), 42);
    assert.equal(len('Content-Length: 7', 'content-length: 7'), 7);
    assert.equal(len('Content-Length: 0'), 0);
    assert.equal(len('Content-Length: 999999999999999'), 999999999999999);
  });
  it('is -1 for chunked, also after other codings and in any case', () => {
    assert.equal(len('Transfer-Encoding: chunked'), -1);
    assert.equal(len('Transfer-Encoding: gzip, Chunked'), -1);
    assert.equal(len('Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'), -1);
  });

  const refused: Array<[string, string[]]> = [
    ['Content-Length and Transfer-Encoding together', ['Content-Length: 5', 'Transfer-Encoding: chunked']],
    ['Transfer-Encoding before Content-Length', ['Transfer-Encoding: chunked', 'Content-Length: 5']],
    ['differing duplicate Content-Length headers', ['Content-Length: 5', 'Content-Length: 6']],
    ['a Content-Length list', ['Content-Length: 5, 5']],
    ['a negative Content-Length', ['Content-Length: -1']],
    ['a Content-Length that is not a number', ['Content-Length: abc']],
    ['a Content-Length with a sign', ['Content-Length: +5']],
    ['a Content-Length of 16 digits', ['Content-Length: 1000000000000000']],
    ['an empty Content-Length', ['Content-Length:']],
    ['a final coding other than chunked', ['Transfer-Encoding: chunked, gzip']],
    ['a final coding other than chunked in a later header', ['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip']],
    ['gzip alone', ['Transfer-Encoding: gzip']],
    ['identity', ['Transfer-Encoding: identity']],
  ];
  for (const [name, headers] of refused) {
    it(`refuses ${name} (400, closing: the end of the body cannot be found)`, () => {
      assert.throws(() => len(...headers), malformed);
    });
  }
});

describe('parseResponseHead', () => {
  const res = (...lines: string[]) => parseResponseHead(lines.join('\r\n'));

  it('reads status and Content-Length; keep-alive by default in HTTP/1.1', () => {
    assert.deepEqual(res('HTTP/1.1 200 OK', 'Content-Length: 12', 'Content-Type: text/plain'), {
      status: 200,
      chunked: false,
      contentLength: 12,
      close: false,
    });
  });

  it('has contentLength -1 when there is none', () => {
    assert.equal(res('HTTP/1.1 200 OK').contentLength, -1);
  });

  it('accepts a status line without a reason phrase, and a head of only the status line', () => {
    assert.equal(res('HTTP/1.1 204').status, 204);
    assert.equal(res('HTTP/1.1 404 ').status, 404);
    assert.equal(res('HTTP/1.1 302 Found', 'Location: /x').status, 302);
  });

  it('matches header names in any case and trims values', () => {
    assert.equal(res('HTTP/1.1 200 OK', 'CONTENT-LENGTH:   5  ').contentLength, 5);
    assert.equal(res('HTTP/1.1 200 OK', 'transfer-encoding: CHUNKED').chunked, true);
  });

  it('is chunked when chunked is the final coding; not when another coding follows it', () => {
    assert.equal(res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked').chunked, true);
    assert.equal(res('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked').chunked, true);
    assert.equal(res('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked, gzip').chunked, false);
    assert.equal(res('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked').chunked, true);
  });

  it('Connection: close (among other tokens, any case) means the device closes after the response', () => {
    assert.equal(res('HTTP/1.1 200 OK', 'Connection: close').close, true);
    assert.equal(res('HTTP/1.1 200 OK', 'connection: Keep-Alive, Close').close, true);
    assert.equal(res('HTTP/1.1 200 OK', 'Connection: keep-alive').close, false);
  });

  it('HTTP/1.0 closes unless it says keep-alive', () => {
    assert.equal(res('HTTP/1.0 200 OK', 'Content-Length: 1').close, true);
    assert.equal(res('HTTP/1.0 200 OK', 'Content-Length: 1', 'Connection: Keep-Alive').close, false);
    assert.equal(res('HTTP/1.0 200 OK', 'Connection: keep-alive, close').close, true);
  });

  it('is not fooled by other headers of the same name lengths', () => {
    // 14, 17 and 10 characters, like content-length, transfer-encoding and connection
    const info = res('HTTP/1.1 200 OK', 'X-Content-Type: 5', 'X-Transfer-Encode: chunked', 'X-Connects: close', 'Content-Lengths: 3');
    assert.deepEqual(info, { status: 200, chunked: false, contentLength: -1, close: false });
  });

  it('ignores lines without a colon and a colon in a later line', () => {
    assert.deepEqual(res('HTTP/1.1 200 OK', 'no colon here', 'Content-Length: 3'), { status: 200, chunked: false, contentLength: 3, close: false });
  });

  it('accepts a repeated Content-Length with the same value', () => {
    assert.equal(res('HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 3').contentLength, 3);
  });

  const malformedHeads: Array<[string, string[], RegExp]> = [
    ['an empty head', [''], /malformed status line/],
    ['a status line of garbage', ['hello world'], /malformed status line/],
    ['HTTP/2', ['HTTP/2 200 OK'], /malformed status line/],
    ['HTTP/1.2', ['HTTP/1.2 200 OK'], /malformed status line/],
    ['a two-digit status', ['HTTP/1.1 20 OK'], /malformed status line/],
    ['a four-digit status', ['HTTP/1.1 2000 OK'], /malformed status line/],
    ['no space after the status', ['HTTP/1.1 200OK'], /malformed status line/],
    ['a lower-case protocol', ['http/1.1 200 OK'], /malformed status line/],
    ['differing Content-Length headers', ['HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 4'], /invalid Content-Length/],
    ['a Content-Length that is not a number', ['HTTP/1.1 200 OK', 'Content-Length: 3x'], /invalid Content-Length/],
    ['a negative Content-Length', ['HTTP/1.1 200 OK', 'Content-Length: -3'], /invalid Content-Length/],
  ];
  for (const [name, lines, message] of malformedHeads) {
    it(`throws ResponseHeadError for ${name}`, () => {
      assert.throws(() => res(...lines), (err: Error) => err instanceof ResponseHeadError && message.test(err.message));
    });
  }
});

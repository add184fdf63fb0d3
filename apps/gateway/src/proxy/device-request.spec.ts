import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deviceRequest } from './device-request';
import { parseRequestHead, requestBodyLength } from './http.head';
import { parseProxyTarget } from './proxy-target.parser';

const MAC = '00408c1a0001';

/** The user's head as the proxy receives it, rewritten for the device; the device's head as text. */
function rewrite(requestLine: string, ...headers: string[]): { text: string; lines: string[]; closeAfter: boolean } {
  const info = parseRequestHead([requestLine, ...headers].join('\r\n'));
  const target = parseProxyTarget(info.method, info.target);
  const dr = deviceRequest(info, { ...target, credentials: null, stripAuth: false });
  const text = dr.head.toString('latin1');
  assert.ok(text.endsWith('\r\n\r\n'), `the head ends with a blank line: ${JSON.stringify(text)}`);
  return { text, lines: text.slice(0, -4).split('\r\n'), closeAfter: dr.closeAfter };
}

describe('deviceRequest: the head the device gets', () => {
  it('turns the absolute-form target into origin-form and keeps method, query and version', () => {
    const r = rewrite(`GET http://${MAC.toUpperCase()}/axis-cgi/param.cgi?action=list&x=%20 HTTP/1.1`, `Host: ${MAC}`);
    assert.equal(r.text, `GET /axis-cgi/param.cgi?action=list&x=%20 HTTP/1.1\r\nHost: ${MAC}\r\n\r\n`);
  });

  it('uses / for a target without a path', () => {
    assert.equal(rewrite(`OPTIONS http://${MAC} HTTP/1.1`, 'Host: h').lines[0], 'OPTIONS / HTTP/1.1');
  });

  it('keeps end-to-end headers byte for byte (case, spacing) and in order', () => {
    const r = rewrite(`POST http://${MAC}/echo HTTP/1.1`, 'host: cam', 'X-B:  two ', 'Content-Type: a/b', 'Content-Length: 3', 'x-a: 1');
    assert.deepEqual(r.lines, ['POST /echo HTTP/1.1', 'host: cam', 'X-B:  two ', 'Content-Type: a/b', 'Content-Length: 3', 'x-a: 1']);
  });

  it('drops Proxy-Authorization, Proxy-Connection, Keep-Alive and Connection', () => {
    const r = rewrite(
      `GET http://${MAC}/ HTTP/1.1`,
      'Host: cam',
      'Proxy-Authorization: Basic dXNlcjpwYXNz',
      'Proxy-Connection: keep-alive',
      'Keep-Alive: timeout=5',
      'Connection: keep-alive',
      'Accept: */*',
    );
    assert.deepEqual(r.lines, ['GET / HTTP/1.1', 'Host: cam', 'Accept: */*']);
  });

  it('drops the headers named in Connection (any case, several Connection headers)', () => {
    const r = rewrite(
      `GET http://${MAC}/ HTTP/1.1`,
      'Host: cam',
      'Connection: X-Hop, keep-alive',
      'x-hop: secret',
      'connection: X-Other',
      'X-Other: 2',
      'X-Kept: 3',
    );
    assert.deepEqual(r.lines, ['GET / HTTP/1.1', 'Host: cam', 'X-Kept: 3']);
  });

  it('drops an Upgrade header that Connection does not name', () => {
    const r = rewrite(`GET http://${MAC}/ws HTTP/1.1`, 'Host: cam', 'Upgrade: websocket');
    assert.deepEqual(r.lines, ['GET /ws HTTP/1.1', 'Host: cam']);
  });

  it('keeps Upgrade with `Connection: Upgrade` when the user asked for an upgrade', () => {
    const r = rewrite(
      `GET http://${MAC}/ws HTTP/1.1`,
      'Host: cam',
      'Connection: keep-alive, Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    );
    assert.deepEqual(r.lines, ['GET /ws HTTP/1.1', 'Host: cam', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Connection: Upgrade']);
    assert.equal(r.closeAfter, false);
  });

  it('adds Host (the MAC) only when the user sent none', () => {
    assert.deepEqual(rewrite(`GET http://${MAC}/ HTTP/1.1`, 'Accept: */*').lines, ['GET / HTTP/1.1', 'Accept: */*', `Host: ${MAC}`]);
    const kept = rewrite(`GET http://${MAC}/ HTTP/1.1`, 'HOST: camera.local');
    assert.deepEqual(kept.lines, ['GET / HTTP/1.1', 'HOST: camera.local']);
  });

  it('keeps the device connection alive for HTTP/1.0 (the proxy manages it), and adds no Connection for HTTP/1.1', () => {
    const ten = rewrite(`GET http://${MAC}/ HTTP/1.0`);
    assert.deepEqual(ten.lines, ['GET / HTTP/1.0', `Host: ${MAC}`, 'Connection: keep-alive']);
    const eleven = rewrite(`GET http://${MAC}/ HTTP/1.1`, 'Host: h', 'Connection: close');
    assert.deepEqual(eleven.lines, ['GET / HTTP/1.1', 'Host: h']);
  });
});

describe('deviceRequest: closeAfter (the user connection closes after this response)', () => {
  const cases: Array<[string, string, string[], boolean]> = [
    ['HTTP/1.1 without Connection', '1.1', [], false],
    ['HTTP/1.1 with Connection: keep-alive', '1.1', ['Connection: keep-alive'], false],
    ['HTTP/1.1 with Connection: close', '1.1', ['Connection: close'], true],
    ['HTTP/1.1 with Connection: Close among other tokens', '1.1', ['Connection: X-A, Close'], true],
    ['HTTP/1.1 with Proxy-Connection: close', '1.1', ['Proxy-Connection: close'], true],
    ['HTTP/1.0 without Connection', '1.0', [], true],
    ['HTTP/1.0 with Connection: close', '1.0', ['Connection: close'], true],
    ['HTTP/1.0 with Connection: keep-alive', '1.0', ['Connection: Keep-Alive'], false],
    ['HTTP/1.0 with Proxy-Connection: keep-alive', '1.0', ['Proxy-Connection: keep-alive'], false],
  ];
  for (const [name, version, headers, close] of cases) {
    it(`${name}: ${close ? 'close' : 'keep alive'}`, () => {
      assert.equal(rewrite(`GET http://${MAC}/ HTTP/${version}`, 'Host: h', ...headers).closeAfter, close);
    });
  }
});

describe('deviceRequest: the device frames the body as the gateway does', () => {
  // The gateway finds the end of the body from the user's framing headers and passes the body on
  // unchanged: if those headers do not reach the device, the device reads the body as the next
  // request (and answers it on a channel that goes back to the pool).
  for (const [name, headers] of [
    ['Connection naming Content-Length', ['Content-Length: 5', 'Connection: Content-Length']],
    ['Connection naming Transfer-Encoding', ['Transfer-Encoding: chunked', 'Connection: transfer-encoding']],
  ] as Array<[string, string[]]>) {
    it(`${name}: the framing header still reaches the device`, () => {
      const info = parseRequestHead([`POST http://${MAC}/echo HTTP/1.1`, 'Host: h', ...headers].join('\r\n'));
      const gatewayLength = requestBodyLength(info);
      const dev = parseRequestHead(deviceRequest(info, { mac: MAC, path: '/echo', credentials: null, stripAuth: false }).head.toString('latin1').slice(0, -4));
      assert.equal(requestBodyLength(dev), gatewayLength, `device head: ${JSON.stringify(dev.lines)}`);
    });
  }
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceTunnel, StreamSink, TunnelError } from '@tether/protocol';
import { fakeClock } from '@tether/testing';
import { parseAnswer, tunnelHttpRequest } from './tunnel-http.client';

/** A tunnel whose device answers with `script(request head, sink)`. */
function fakeTunnel(script: (head: string, sink: StreamSink) => void) {
  const log = { heads: [] as string[], resets: 0, acked: 0 };
  const tunnel: DeviceTunnel = {
    open(_mac, _src, sink) {
      return {
        write(chunk) {
          log.heads.push(chunk.toString('latin1'));
          queueMicrotask(() => script(chunk.toString('latin1'), sink));
          return true;
        },
        ack: (n) => void (log.acked += n),
        release: () => undefined,
        reset: () => void log.resets++,
      };
    },
    ping: async () => undefined,
  };
  return { tunnel, log };
}

const request = (tunnel: DeviceTunnel, clock = fakeClock()) =>
  tunnelHttpRequest({ tunnel, mac: '00408c000001', srcaddr: 'control c', request: { method: 'GET', path: '/axis-cgi/param.cgi?action=update&a=b' }, timeoutMs: 5000, clock });

describe('control HTTP requests through the tunnel', () => {
  it('sends one bodyless request with Host and Connection: close, reads a Content-Length answer in pieces', async () => {
    const { tunnel, log } = fakeTunnel((_h, sink) => {
      sink.data(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Le'));
      sink.data(Buffer.from('ngth: 2\r\n\r\nO'));
      sink.data(Buffer.from('K'));
    });
    const a = await request(tunnel);
    assert.equal(a.status, 200);
    assert.equal(a.body, 'OK');
    assert.deepEqual(a.headers.get('content-type'), ['text/plain']);
    assert.equal(log.heads[0], 'GET /axis-cgi/param.cgi?action=update&a=b HTTP/1.1\r\nHost: 00408c000001\r\nConnection: close\r\n\r\n');
    assert.equal(log.resets, 1, 'the device connection is not reused');
    assert.ok(log.acked > 0, 'every byte taken is acknowledged');
  });

  it('reads chunked answers and answers delimited by the close', async () => {
    const chunked = fakeTunnel((_h, sink) => sink.data(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n# E\r\n8;x=y\r\nrror: x\n\r\n0\r\n\r\n')));
    assert.equal((await request(chunked.tunnel)).body, '# Error: x\n');
    const closed = fakeTunnel((_h, sink) => {
      sink.data(Buffer.from('HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="a"\r\nWWW-Authenticate: Digest realm="a", nonce="n"\r\n\r\nno'));
      sink.end();
    });
    const a = await request(closed.tunnel);
    assert.equal(a.status, 401);
    assert.equal(a.body, 'no');
    assert.equal(a.headers.get('www-authenticate')?.length, 2);
  });

  it('passes the edge refusal on as the TunnelError', async () => {
    const { tunnel } = fakeTunnel((_h, sink) => sink.fail(new TunnelError('not-connected', 'Device 00408c000001 is not connected')));
    await assert.rejects(request(tunnel), (e: unknown) => e instanceof TunnelError && e.code === 'not-connected');
  });

  it('times out a device that does not answer, and resets the stream', async () => {
    const clock = fakeClock();
    const { tunnel, log } = fakeTunnel(() => undefined);
    const p = request(tunnel, clock);
    clock.tick(5000);
    await assert.rejects(p, (e: unknown) => e instanceof TunnelError && e.code === 'timeout' && /did not answer within 5 s/.test(e.reason));
    assert.equal(log.resets, 1);
  });

  for (const [name, bytes, end, why] of [
    ['a closed connection before the head', 'HTTP/1.1 200 OK\r\n', true, /closed the connection before a complete answer/],
    ['a body cut short', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', true, /closed the connection before a complete answer/],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', false, /malformed response: bad status line "SSH-2\.0-OpenSSH"/],
    ['a bad header', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', false, /malformed response: bad header line "nocolon"/],
    ['a bad length', 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n', false, /bad Content-Length "x"/],
    ['too much', 'HTTP/1.1 200 OK\r\n\r\n' + 'x'.repeat(70_000), false, /more than 65536 bytes/],
  ] as const) {
    it(`refuses ${name} as a device error`, async () => {
      const { tunnel } = fakeTunnel((_h, sink) => {
        sink.data(Buffer.from(bytes));
        if (end) sink.end();
      });
      await assert.rejects(request(tunnel), (e: unknown) => e instanceof TunnelError && e.code === 'device-error' && why.test(e.reason));
    });
  }

  it('a HEAD or 204 answer has no body', () => {
    assert.equal(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'), false, true)?.body, '');
    assert.equal(parseAnswer(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), false, false)?.status, 204);
    assert.equal(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\n\r\nopen'), false, false), null, 'close-delimited: wait for the end');
  });
});

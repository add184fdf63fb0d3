import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { TunnelError } from './tunnel.error';
import { RequestHead, TunnelResponse } from './tunnel.types';
import { forwardOverStream, serveStream } from './tunnel.wire';

/** Two object-mode ends of an in-memory stream, standing in for a gRPC call (client and server side). */
function callPair(): [Duplex, Duplex] {
  const up = new PassThrough({ objectMode: true, highWaterMark: 4 });
  const down = new PassThrough({ objectMode: true, highWaterMark: 4 });
  return [Duplex.from({ writable: up, readable: down }), Duplex.from({ writable: down, readable: up })];
}

const head: RequestHead = { id: 'r1', mac: '00408c123456', method: 'POST', path: '/p?q=1', headers: [['X-A', '1']], srcaddr: '1.2.3.4:5', url: 'http://00408c123456/p?q=1' };
const mapError = () => new TunnelError('unreachable', 'Edge unreachable');

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('tunnel wire: one request over one stream', () => {
  it('carries the head and body both ways', async () => {
    const [client, server] = callPair();
    serveStream(server, async (h, body): Promise<TunnelResponse> => {
      const got = await collect(body);
      return {
        head: { status: 201, statusMessage: 'Made', headers: [['X-Seen', `${h.method} ${h.path} ${h.headers[0][1]}`]] },
        body: Readable.from([Buffer.from('got '), got]),
      };
    });
    const res = await forwardOverStream(client, head, Readable.from([Buffer.from('hello '), Buffer.from('world')]), mapError);
    assert.equal(res.head.status, 201);
    assert.equal(res.head.statusMessage, 'Made');
    assert.deepEqual(res.head.headers, [['X-Seen', 'POST /p?q=1 1']]);
    assert.equal((await collect(res.body)).toString(), 'got hello world');
  });

  it('rejects with the edge failure when no response head was sent', async () => {
    const [client, server] = callPair();
    serveStream(server, async () => {
      throw new TunnelError('not-connected', 'Device 00408c123456 is not connected');
    });
    await assert.rejects(forwardOverStream(client, head, Readable.from([]), mapError), (err: TunnelError) => {
      assert.equal(err.code, 'not-connected');
      assert.equal(err.status, 404);
      return true;
    });
  });

  it('a request refused unread, then abandoned mid-upload, fails quietly (no unhandled error)', async () => {
    const [client, server] = callPair();
    serveStream(server, async () => {
      throw new TunnelError('not-connected', 'Device 00408c123456 is not connected');
    });
    const upload = new PassThrough();
    upload.write(Buffer.alloc(1000));
    await assert.rejects(forwardOverStream(client, head, upload, mapError), (err: TunnelError) => err.code === 'not-connected');
    // The user goes away mid-upload: the server side's unread body is failed.
    server.destroy();
    client.destroy();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('errors the body when the device fails after the head', async () => {
    const [client, server] = callPair();
    serveStream(server, async () => {
      const body = new PassThrough();
      body.write('partial');
      setTimeout(() => body.destroy(new TunnelError('device-error', 'Device closed the connection mid-response')), 20);
      return { head: { status: 200, statusMessage: 'OK', headers: [] }, body };
    });
    const res = await forwardOverStream(client, head, Readable.from([]), mapError);
    await assert.rejects(collect(res.body), (err: TunnelError) => err.code === 'device-error');
  });

  it('holds the producer while the consumer does not read (bounded buffering)', async () => {
    const [client, server] = callPair();
    let produced = 0;
    const endless = new Readable({
      read() {
        produced++;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    serveStream(server, async () => ({ head: { status: 200, statusMessage: 'OK', headers: [] }, body: endless }));
    const res = await forwardOverStream(client, head, Readable.from([]), mapError);
    await new Promise((r) => setTimeout(r, 200));
    // Nothing read: only what fits the stream buffers (a few chunks), not megabytes.
    assert.ok(produced < 64, `produced ${produced} chunks while nobody read`);
    const before = produced;
    let read = 0;
    for await (const c of res.body) {
      read += (c as Buffer).length;
      if (read > 4 << 20) break;
    }
    assert.ok(produced > before, 'reading resumed the producer');
    endless.destroy();
  });
});

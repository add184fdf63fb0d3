import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { TunnelError } from '../tunnel.error';
import { RequestHead, TunnelResponse } from '../tunnel.types';
import { INITIAL_WINDOW } from './body.window';
import { MuxClient } from './mux.client';
import { ForwardHandler, serveLink } from './mux.server';

/** Two object-mode ends of an in-memory stream, standing in for a gRPC Link call. */
function link(handler: ForwardHandler): MuxClient {
  const up = new PassThrough({ objectMode: true, highWaterMark: 4 });
  const down = new PassThrough({ objectMode: true, highWaterMark: 4 });
  serveLink(Duplex.from({ writable: down, readable: up }), handler);
  return new MuxClient(Duplex.from({ writable: up, readable: down }), () => new TunnelError('unreachable', 'Edge unreachable'));
}

const head = (path = '/p?q=1'): RequestHead => ({
  id: 'r1', mac: '00408c123456', method: 'POST', path, headers: [['X-A', '1']], srcaddr: '1.2.3.4:5', url: `http://00408c123456${path}`,
});
const ok = (body: Readable): TunnelResponse => ({ head: { status: 200, statusMessage: 'OK', headers: [] }, body });
const never = () => new AbortController().signal;

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A body of `chunks` x 16 KiB, made only as fast as it is read; `made()` tells how far it got. */
function lazyBody(chunks: number): { body: Readable; made: () => number } {
  let n = 0;
  const body = new Readable({
    read() {
      this.push(n < chunks ? Buffer.alloc(16 * 1024, n++ & 0xff) : null);
    },
  });
  return { body, made: () => n * 16 * 1024 };
}

describe('tunnel link: many requests over one stream', () => {
  it('carries head and body both ways', async () => {
    const c = link(async (h, body) => {
      const got = await collect(body);
      return {
        head: { status: 201, statusMessage: 'Made', headers: [['X-Seen', `${h.method} ${h.path} ${h.headers[0][1]}`]] },
        body: Readable.from([Buffer.from('got '), got]),
      };
    });
    const res = await c.forward(head(), Readable.from([Buffer.from('hello '), Buffer.from('world')]), never());
    assert.equal(res.head.status, 201);
    assert.equal(res.head.statusMessage, 'Made');
    assert.deepEqual(res.head.headers, [['X-Seen', 'POST /p?q=1 1']]);
    assert.equal((await collect(res.body)).toString(), 'got hello world');
  });

  it('keeps 200 interleaved requests apart', async () => {
    const c = link(async (h, body) => {
      await collect(body);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      return ok(Readable.from([Buffer.from(h.path)]));
    });
    const paths = Array.from({ length: 200 }, (_, i) => `/n/${i}`);
    const bodies = await Promise.all(paths.map(async (p) => (await collect((await c.forward(head(p), Readable.from([]), never())).body)).toString()));
    assert.deepEqual(bodies, paths);
    assert.equal(c.inFlight, 0);
  });

  it('rejects with the edge failure when no response head was sent', async () => {
    const c = link(async () => {
      throw new TunnelError('not-connected', 'Device 00408c123456 is not connected');
    });
    await assert.rejects(c.forward(head(), Readable.from([]), never()), (err: TunnelError) => err.code === 'not-connected' && err.status === 404);
  });

  it('errors the body when the device fails after the head', async () => {
    const c = link(async () => {
      const body = new PassThrough();
      body.write('partial');
      setTimeout(() => body.destroy(new TunnelError('device-error', 'Device closed the connection mid-response')), 20);
      return ok(body);
    });
    const res = await c.forward(head(), Readable.from([]), never());
    await assert.rejects(collect(res.body), (err: TunnelError) => err.code === 'device-error');
  });

  it('a reader that stops holds back its own request after one window, and not the others', async () => {
    const slow = lazyBody(100_000);
    const c = link(async (h) => (h.path === '/slow' ? ok(slow.body) : ok(Readable.from([Buffer.from('fast')]))));
    const res = await c.forward(head('/slow'), Readable.from([]), never());
    await new Promise((r) => setTimeout(r, 200));
    // Nothing read: the window plus a few stream buffers, not the 1.6 GB the body could make.
    assert.ok(slow.made() < INITIAL_WINDOW + (1 << 20), `made ${slow.made()} bytes while nobody read`);
    const other = await c.forward(head('/fast'), Readable.from([]), never());
    assert.equal((await collect(other.body)).toString(), 'fast', 'the link is not blocked by the slow reader');
    const before = slow.made();
    let read = 0;
    for await (const chunk of res.body) {
      read += (chunk as Buffer).length;
      if (read > 8 << 20) break;
    }
    assert.ok(slow.made() > before + (4 << 20), 'reading resumed the producer');
  });

  it('a request body is sent no faster than the edge consumes it', async () => {
    const upload = lazyBody(100_000);
    let release!: () => void;
    const c = link(async (_h, body) => {
      await new Promise<void>((r) => (release = r)); // the device does not read yet
      let n = 0;
      for await (const chunk of body) {
        n += (chunk as Buffer).length;
        if (n > 4 << 20) break;
      }
      return ok(Readable.from([Buffer.from(String(n))]));
    });
    const pending = c.forward(head(), upload.body, never());
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(upload.made() < INITIAL_WINDOW + (1 << 20), `uploaded ${upload.made()} bytes the edge never read`);
    release();
    const res = await pending;
    assert.ok(Number((await collect(res.body)).toString()) > 4 << 20);
  });

  it('cancels on the edge when the user goes away', async () => {
    let signalSeen: AbortSignal | undefined;
    const c = link(async (_h, _body, signal) => {
      signalSeen = signal;
      await new Promise((r) => signal.addEventListener('abort', r));
      throw new TunnelError('device-error', 'aborted');
    });
    const user = new AbortController();
    const pending = c.forward(head(), new PassThrough(), user.signal);
    await new Promise((r) => setTimeout(r, 20));
    user.abort();
    await assert.rejects(pending, (err: TunnelError) => /aborted by the user/.test(err.reason));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(signalSeen?.aborted, true);
  });

  it('a request refused unread, then abandoned mid-upload, fails quietly (no unhandled error)', async () => {
    const c = link(async () => {
      throw new TunnelError('not-connected', 'Device 00408c123456 is not connected');
    });
    const upload = new PassThrough();
    upload.write(Buffer.alloc(1000));
    await assert.rejects(c.forward(head(), upload, never()), (err: TunnelError) => err.code === 'not-connected');
    upload.destroy();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('fails every request on a link that breaks, and refuses new ones', async () => {
    const up = new PassThrough({ objectMode: true });
    const down = new PassThrough({ objectMode: true });
    const c = new MuxClient(Duplex.from({ writable: up, readable: down }), () => new TunnelError('unreachable', 'Edge unreachable'));
    const pending = c.forward(head(), Readable.from([]), never());
    down.destroy(new Error('reset'));
    await assert.rejects(pending, (err: TunnelError) => err.code === 'unreachable');
    assert.equal(c.usable, false);
    await assert.rejects(c.forward(head(), Readable.from([]), never()), (err: TunnelError) => err.code === 'unreachable');
  });
});

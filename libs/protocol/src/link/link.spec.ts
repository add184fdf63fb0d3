import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Duplex, Transform } from 'node:stream';
import * as protoLoader from '@grpc/proto-loader';
import { TunnelError } from '../tunnel.error';
import { TUNNEL_CHANNEL_OPTIONS } from '../tunnel.grpc';
import { LinkClient } from './link.client';
import { FRAME_HEADER, FrameDecodeError, FrameType, decodeFrames, decodePacket, encodePacket, frameHeader, u32 } from './link.frame';
import { serveLink } from './link.server';
import type { ChannelEvents, ChannelOpener, LeasedChannel, StreamSink, TunnelStream } from './link.types';
import { STREAM_WINDOW } from './stream.window';

const MAC = '00408c1a0001';
const SRC = '192.0.2.7:40000';

// ---- helpers ---------------------------------------------------------------------------------

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Waits (turn by turn of the event loop) until `cond` holds; fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

/** Lets every frame in flight arrive: a few turns (each side flushes once per turn). */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await tick();
}

function encodeFrame(type: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([frameHeader(type as FrameType, id, payload.length), payload]);
}

/** A varint as protobuf writes it. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A device connection on the edge, driven by the test. */
class FakeLease implements LeasedChannel {
  events?: ChannelEvents;
  written: Buffer[] = [];
  paused = false;
  released = 0;
  destroyed = 0;
  /** What write() answers: false stands for a channel whose buffer is full. */
  writeResult = true;
  private pumping = false;

  write(chunk: Buffer): boolean {
    this.written.push(Buffer.from(chunk));
    return this.writeResult;
  }
  /** A channel whose buffer is full has bytes queued; one that takes them has none. */
  get queued(): number {
    return this.writeResult ? 0 : 1;
  }
  bind(events: ChannelEvents): void {
    this.events = events;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.schedule();
  }
  release(): void {
    this.released++;
  }
  destroy(): void {
    this.destroyed++;
  }

  get received(): string {
    return Buffer.concat(this.written).toString();
  }

  /** An endless source: emits `chunk` whenever not paused, one per turn. */
  pump(chunk: Buffer): void {
    this.pumpChunk = chunk;
    this.pumping = true;
    this.schedule();
  }
  stopPump(): void {
    this.pumping = false;
  }
  private pumpChunk: Buffer = Buffer.alloc(0);
  private scheduled = false;
  private schedule(): void {
    if (this.scheduled || !this.pumping || this.paused) return;
    this.scheduled = true;
    setImmediate(this.pumpStep);
  }
  private readonly pumpStep = (): void => {
    this.scheduled = false;
    if (!this.pumping || this.paused || !this.events) return;
    this.events.data(this.pumpChunk);
    this.schedule();
  };
}

/** Where a stream's bytes arrive on the gateway; acks what it took unless told not to. */
class Sink implements StreamSink {
  chunks: Buffer[] = [];
  bytes = 0;
  ended = false;
  failed?: TunnelError;
  stream?: TunnelStream;
  autoAck = true;

  data(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
    this.bytes += chunk.length;
    if (this.autoAck) this.stream?.ack(chunk.length);
  }
  end(): void {
    this.ended = true;
  }
  fail(err: TunnelError): void {
    this.failed = err;
  }
  goAways = 0;
  goAway(): void {
    this.goAways++;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

interface Opened {
  mac: string;
  srcaddr: string;
  lease: FakeLease;
}

/** The gateway's LinkClient and the edge's serveLink over an in-memory pair of object-mode streams, as local-edge-link.ts does. */
function link(opener?: ChannelOpener) {
  const opened: Opened[] = [];
  const open: ChannelOpener =
    opener ??
    (async (mac, srcaddr) => {
      const lease = new FakeLease();
      opened.push({ mac, srcaddr, lease });
      return lease;
    });
  const upBatches: number[] = [];
  const downBatches: number[] = [];
  const tap = (seen: number[]) =>
    new Transform({
      objectMode: true,
      highWaterMark: 16,
      transform(batch: Buffer, _enc, cb) {
        seen.push(batch.length);
        cb(null, batch);
      },
    });
  const up = tap(upBatches);
  const down = tap(downBatches);
  const serverCall = Duplex.from({ writable: down, readable: up });
  serveLink(serverCall, open);
  const clientCall = Duplex.from({ writable: up, readable: down });
  const client = new LinkClient(clientCall, (err) => new TunnelError('unreachable', `Edge unreachable (${err.message})`));
  const openStream = (sink = new Sink(), mac = MAC) => {
    const stream = client.open(mac, SRC, sink);
    sink.stream = stream;
    return { sink, stream };
  };
  return { client, clientCall, serverCall, up, down, opened, upBatches, downBatches, openStream };
}

// ---- frames and packets ----------------------------------------------------------------------

describe('link frames', () => {
  it('decodes a batch of frames back to the same types, ids and payloads', () => {
    const frames: Array<[number, number, Buffer]> = [
      [FrameType.Open, 1, Buffer.from(JSON.stringify({ mac: MAC, srcaddr: SRC }))],
      [FrameType.Data, 0xffffffff, Buffer.from('hello')],
      [FrameType.Data, 2, Buffer.alloc(70000, 7)],
      [FrameType.End, 3, Buffer.alloc(0)],
      [FrameType.Release, 4, Buffer.alloc(0)],
      [FrameType.Reset, 5, Buffer.from('{"code":"busy","reason":"x"}')],
      [FrameType.Window, 6, u32(65536)],
      [FrameType.Ping, 7, Buffer.alloc(0)],
      [FrameType.Pong, 7, Buffer.alloc(0)],
      [FrameType.GoAway, 8, Buffer.alloc(0)],
    ];
    const batch = Buffer.concat(frames.map(([t, id, p]) => encodeFrame(t, id, p)));
    const got: Array<[number, number, Buffer]> = [];
    decodeFrames(batch, (t, id, p) => got.push([t, id, Buffer.from(p)]));
    assert.deepEqual(got, frames);
  });

  it('a frame header is 9 bytes: type, id and length big-endian', () => {
    assert.deepEqual([...frameHeader(FrameType.Window, 0x01020304, 0x0a0b0c0d)], [6, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d]);
    assert.equal(FRAME_HEADER, 9);
  });

  it('an empty batch holds no frame', () => {
    let n = 0;
    decodeFrames(Buffer.alloc(0), () => n++);
    assert.equal(n, 0);
  });

  it('throws FrameDecodeError for a truncated header or payload', () => {
    const whole = encodeFrame(FrameType.Data, 1, Buffer.from('hello'));
    assert.throws(() => decodeFrames(whole.subarray(0, 5), () => undefined), FrameDecodeError);
    assert.throws(() => decodeFrames(whole.subarray(0, whole.length - 1), () => undefined), /truncated frame payload/);
    assert.throws(() => decodeFrames(Buffer.concat([whole, whole.subarray(0, 3)]), () => undefined), /truncated frame header/);
  });
});

describe('Packet encoding (tunnel.proto `Packet { bytes frames = 1; }`)', () => {
  const linkMethod = () => {
    const def = protoLoader.loadSync(join(__dirname, '..', 'tunnel.proto'), { keepCase: false, defaults: false });
    return def['tether.tunnel.v1.Tunnel'] as unknown as Record<
      string,
      { requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): { frames?: Buffer } }
    >;
  };

  for (const size of [0, 1, 127, 128, 300, 16383, 16384, 2097151, 2097152, 5_000_000]) {
    it(`round-trips ${size} bytes of frames, and agrees with protobufjs both ways`, () => {
      const frames = Buffer.alloc(size);
      for (let i = 0; i < size; i++) frames[i] = (i * 13 + 1) & 0xff;
      const packet = encodePacket(frames);
      assert.ok(decodePacket(packet).equals(frames));
      const pb = linkMethod().Link;
      assert.ok(pb.requestSerialize({ frames }).equals(packet) || size === 0, 'the same bytes as protobufjs');
      assert.ok((pb.requestDeserialize(packet).frames ?? Buffer.alloc(0)).equals(frames), 'protobufjs reads it');
      assert.ok(decodePacket(pb.requestSerialize({ frames })).equals(frames), 'it reads protobufjs');
    });
  }

  it('skips unknown varint and length-delimited fields before and after the frames', () => {
    const frames = encodeFrame(FrameType.Data, 1, Buffer.from('x'));
    const packet = Buffer.concat([
      Buffer.from([0x10]), // field 2, varint
      varint(300),
      Buffer.from([0x1a]), // field 3, length-delimited
      varint(4),
      Buffer.from('abcd'),
      encodePacket(frames),
      Buffer.from([0x20]), // field 4, varint
      varint(1),
    ]);
    assert.ok(decodePacket(packet).equals(frames));
  });

  it('takes the last frames field when it occurs twice (proto3: last one wins)', () => {
    assert.equal(decodePacket(Buffer.concat([encodePacket(Buffer.from('a')), encodePacket(Buffer.from('bb'))])).toString(), 'bb');
  });

  it('an empty message has no frames', () => {
    assert.equal(decodePacket(Buffer.alloc(0)).length, 0);
  });

  it('throws FrameDecodeError for a truncated length or field', () => {
    const packet = encodePacket(Buffer.alloc(200, 1));
    assert.throws(() => decodePacket(packet.subarray(0, 2)), FrameDecodeError);
    assert.throws(() => decodePacket(packet.subarray(0, packet.length - 1)), /truncated packet/);
  });

  it('skips unknown fixed32 and fixed64 fields (wire types 5 and 1), as protobuf requires', () => {
    const frames = encodeFrame(FrameType.Ping, 9);
    const packet = Buffer.concat([Buffer.from([0x15, 1, 2, 3, 4]), Buffer.from([0x19, 1, 2, 3, 4, 5, 6, 7, 8]), encodePacket(frames)]);
    assert.ok(decodePacket(packet).equals(frames));
  });

  it('skips an unknown field numbered 16 or more (a tag of two varint bytes)', () => {
    const frames = encodeFrame(FrameType.Ping, 9);
    // field 16, varint 5; field 20, length-delimited "zz"
    const packet = Buffer.concat([varint((16 << 3) | 0), varint(5), varint((20 << 3) | 2), varint(2), Buffer.from('zz'), encodePacket(frames)]);
    assert.ok(decodePacket(packet).equals(frames));
  });
});

// ---- LinkClient + serveLink --------------------------------------------------------------------

describe('LinkClient and serveLink over one link', () => {
  it('opens a stream with the MAC and source address, and carries bytes both ways', async () => {
    const l = link();
    const { sink, stream } = l.openStream();
    stream.write(Buffer.from('GET / HTTP/1.1\r\n'));
    stream.write(Buffer.from('\r\n'));
    await until(() => l.opened.length === 1 && l.opened[0].lease.received === 'GET / HTTP/1.1\r\n\r\n', 'the request on the lease');
    assert.equal(l.opened[0].mac, MAC);
    assert.equal(l.opened[0].srcaddr, SRC);
    const lease = l.opened[0].lease;
    lease.events!.data(Buffer.from('HTTP/1.1 200 OK\r\n'));
    lease.events!.data(Buffer.from('\r\n'));
    await until(() => sink.text === 'HTTP/1.1 200 OK\r\n\r\n', 'the response at the sink');
    lease.events!.end();
    await until(() => sink.ended, 'the end at the sink');
    assert.equal(lease.destroyed, 1, 'an ended channel is spent');
    assert.equal(sink.failed, undefined);
    assert.equal(l.client.openStreams, 0);
  });

  it('bytes written before the device connection is ready arrive, in order, once it is', async () => {
    let resolve!: (lease: LeasedChannel) => void;
    const l = link(() => new Promise((r) => (resolve = r)));
    const { stream } = l.openStream();
    for (const part of ['a', 'b', 'c']) stream.write(Buffer.from(part));
    await settle();
    const lease = new FakeLease();
    resolve(lease);
    stream.write(Buffer.from('d'));
    await until(() => lease.received === 'abcd', 'the backlog then the rest');
  });

  it('keeps 200 interleaved streams apart', async () => {
    const l = link(async (mac, srcaddr) => {
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      const lease = new FakeLease();
      (lease as FakeLease & { tag: string }).tag = srcaddr;
      lease.write = function (chunk: Buffer) {
        FakeLease.prototype.write.call(this, chunk);
        // echo each piece at once, tagged by the stream it came from
        setImmediate(() => this.events?.data(Buffer.from(`<${srcaddr}:${chunk.toString()}>`)));
        return true;
      };
      l.opened.push({ mac, srcaddr, lease });
      return lease;
    });
    const streams = Array.from({ length: 200 }, (_, i) => {
      const sink = new Sink();
      const stream = l.client.open(MAC, `s${i}`, sink);
      sink.stream = stream;
      return { sink, stream, i };
    });
    // Three pieces per stream, interleaved across streams and turns.
    for (let piece = 0; piece < 3; piece++) {
      for (const s of streams) s.stream.write(Buffer.from(`${s.i}.${piece}`));
      await tick();
    }
    await until(() => streams.every((s) => (s.sink.text.match(/</g) ?? []).length === 3), 'three echoes on every stream');
    for (const s of streams) {
      assert.equal(s.sink.text, `<s${s.i}:${s.i}.0><s${s.i}:${s.i}.1><s${s.i}:${s.i}.2>`);
      const lease = l.opened.find((o) => o.srcaddr === `s${s.i}`)!.lease;
      assert.equal(lease.received, `${s.i}.0${s.i}.1${s.i}.2`);
    }
    assert.equal(l.opened.length, 200);
    for (const s of streams) s.stream.release();
    await until(() => l.opened.every((o) => o.lease.released === 1), 'every lease released');
    assert.equal(l.client.openStreams, 0);
  });

  it('frames written in one turn travel together in one message', async () => {
    const l = link();
    const streams = Array.from({ length: 50 }, () => l.openStream());
    for (const s of streams) s.stream.write(Buffer.from('x'));
    await until(() => l.opened.length === 50, 'fifty leases');
    assert.equal(l.upBatches.length, 1, `batches: ${l.upBatches.join(',')}`);
  });

  it('a reader that stops acking holds back only its own stream, after one window, while another stream still flows', async () => {
    const l = link();
    const slow = l.openStream();
    slow.sink.autoAck = false;
    const fast = l.openStream();
    await until(() => l.opened.length === 2 && l.opened.every((o) => o.lease.events), 'two bound leases');
    const chunk = Buffer.alloc(16 * 1024, 1);
    const [slowLease, fastLease] = l.opened.map((o) => o.lease);
    slowLease.pump(chunk);
    fastLease.pump(chunk);
    await until(() => fast.sink.bytes >= 8 * STREAM_WINDOW, 'eight windows on the fast stream', 20_000);
    await settle();
    assert.equal(slow.sink.bytes, STREAM_WINDOW, 'the slow stream stopped after exactly one window');
    assert.equal(slowLease.paused, true, 'the slow device connection is paused');
    // The slow reader takes what it has: its stream flows again.
    slow.stream.ack(slow.sink.bytes);
    await until(() => slow.sink.bytes >= 2 * STREAM_WINDOW, 'the slow stream resumed');
    slowLease.stopPump();
    fastLease.stopPump();
    slow.stream.reset();
    fast.stream.reset();
  });

  it('gateway -> device: write() reports a full window once the device connection stops taking bytes, onDrain when it drains', async () => {
    const l = link();
    const { stream } = l.openStream();
    await until(() => l.opened[0]?.lease.events !== undefined, 'a bound lease');
    const lease = l.opened[0].lease;
    lease.writeResult = false; // the channel's buffer is full from now on
    const chunk = Buffer.alloc(16 * 1024, 2);
    let sent = 0;
    while (stream.write(chunk)) {
      sent += chunk.length;
      await tick();
      assert.ok(sent < 4 * STREAM_WINDOW, 'write() never reported a full window');
    }
    sent += chunk.length;
    assert.equal(sent, STREAM_WINDOW);
    let drained = 0;
    stream.onDrain = () => drained++;
    await until(() => Buffer.concat(lease.written).length === STREAM_WINDOW, 'the whole window on the lease');
    await settle();
    assert.equal(drained, 0, 'no drain before the channel drained');
    lease.writeResult = true;
    lease.events!.drain();
    await until(() => drained === 1, 'onDrain');
    assert.equal(stream.write(chunk), true);
  });

  it("the edge's GoAway reaches the stream's sink, and the stream stays usable until it is given back", async () => {
    const l = link();
    const { sink, stream } = l.openStream();
    await until(() => l.opened.length === 1, 'the lease');
    const lease = l.opened[0].lease;
    await until(() => lease.events !== undefined, 'the binding');
    lease.events!.goAway!();
    await until(() => sink.goAways === 1, 'the GoAway');
    lease.events!.data(Buffer.from('still here'));
    await until(() => sink.text === 'still here', 'data after GoAway');
    stream.release();
    await until(() => l.client.openStreams === 0, 'released');
  });

  it('an opener rejecting with TunnelError(not-connected) reaches sink.fail with that code and reason', async () => {
    const l = link(() => Promise.reject(new TunnelError('not-connected', `Device ${MAC} is not connected`)));
    const { sink } = l.openStream();
    await until(() => sink.failed !== undefined, 'the failure');
    assert.ok(sink.failed instanceof TunnelError);
    assert.equal(sink.failed.code, 'not-connected');
    assert.equal(sink.failed.status, 404);
    assert.equal(sink.failed.reason, `Device ${MAC} is not connected`);
    assert.equal(l.client.openStreams, 0);
    assert.equal(l.client.usable, true, 'one refused stream leaves the link usable');
  });

  it('an opener rejecting with busy is a 503; with anything else an internal error', async () => {
    const busy = link(() => Promise.reject(new TunnelError('busy', `Device ${MAC} is busy`))).openStream().sink;
    const odd = link(() => Promise.reject(new Error('boom'))).openStream().sink;
    await until(() => !!busy.failed && !!odd.failed, 'both failures');
    assert.equal(busy.failed!.status, 503);
    assert.equal(odd.failed!.code, 'internal');
  });

  it('a device connection closing without a clean end resets the stream as device-error', async () => {
    const l = link();
    const { sink } = l.openStream();
    await until(() => l.opened[0]?.lease.events !== undefined, 'a bound lease');
    l.opened[0].lease.events!.close('Device 00408c1a0001 disconnected');
    await until(() => sink.failed !== undefined, 'the failure');
    assert.equal(sink.failed!.code, 'device-error');
    assert.equal(sink.failed!.reason, 'Device 00408c1a0001 disconnected');
  });

  it('Release reaches the lease as release(), Reset as destroy()', async () => {
    const l = link();
    const a = l.openStream();
    const b = l.openStream();
    await until(() => l.opened.length === 2 && l.opened.every((o) => o.lease.events), 'two bound leases');
    a.stream.release();
    b.stream.reset();
    const [la, lb] = l.opened.map((o) => o.lease);
    await until(() => la.released + la.destroyed + lb.released + lb.destroyed === 2, 'both outcomes');
    assert.deepEqual([la.released, la.destroyed], [1, 0]);
    assert.deepEqual([lb.released, lb.destroyed], [0, 1]);
    // What the edge sends afterwards on those streams goes nowhere.
    la.events!.data(Buffer.from('late'));
    await settle();
    assert.equal(a.sink.bytes + b.sink.bytes, 0);
    assert.equal(a.stream.write(Buffer.from('x')), false, 'a released stream takes no more bytes');
  });

  it('a stream released before its device connection was leased gives the lease straight back', async () => {
    let resolve!: (lease: LeasedChannel) => void;
    const l = link(() => new Promise((r) => (resolve = r)));
    const { stream } = l.openStream();
    await settle();
    stream.release();
    await settle();
    const lease = new FakeLease();
    resolve(lease);
    await until(() => lease.released === 1, 'the lease given back');
    assert.equal(lease.events, undefined, 'never bound');
    assert.equal(lease.destroyed, 0);
  });

  it('ping resolves when the edge answers', async () => {
    const l = link();
    await Promise.all([l.client.ping(), l.client.ping(), l.client.ping()]);
  });

  it('a broken link fails every open stream and rejects pings, then refuses new ones', async () => {
    const l = link();
    const streams = [l.openStream(), l.openStream(), l.openStream()];
    await until(() => l.opened.length === 3, 'three leases');
    const ping = l.client.ping(); // its frame leaves on the next turn: never, the link breaks now
    l.clientCall.destroy(new Error('connection reset'));
    await assert.rejects(ping, (err: TunnelError) => err.code === 'unreachable');
    for (const s of streams) {
      assert.equal(s.sink.failed?.code, 'unreachable');
      assert.match(s.sink.failed!.reason, /connection reset/);
    }
    assert.equal(l.client.usable, false);
    assert.equal(l.client.openStreams, 0);
    await assert.rejects(l.client.ping(), (err: TunnelError) => err.code === 'unreachable');
    const late = l.openStream().sink;
    assert.equal(late.failed, undefined, 'the failure comes asynchronously');
    await tick();
    assert.equal((late.failed as TunnelError | undefined)?.code, 'unreachable');
  });

  it('the edge ending the link fails the open streams as unreachable', async () => {
    const l = link();
    const { sink } = l.openStream();
    await until(() => l.opened.length === 1, 'a lease');
    l.serverCall.end();
    await until(() => sink.failed !== undefined, 'the failure');
    assert.equal(sink.failed!.code, 'unreachable');
  });

  it('a malformed batch from the edge breaks the link: every stream fails as internal', async () => {
    const l = link();
    const a = l.openStream();
    const b = l.openStream();
    await until(() => l.opened.length === 2, 'two leases');
    l.down.write(Buffer.from([FrameType.Data, 0, 0])); // a truncated frame header
    await until(() => !!a.sink.failed && !!b.sink.failed, 'both failures');
    assert.equal(a.sink.failed!.code, 'internal');
    assert.match(a.sink.failed!.reason, /malformed frame/);
    assert.equal(l.client.usable, false);
  });

  it('a malformed batch from the gateway makes the edge drop the link and destroy its device connections', async () => {
    const l = link();
    l.openStream();
    l.openStream();
    await until(() => l.opened.length === 2 && l.opened.every((o) => o.lease.events), 'two bound leases');
    l.up.write(encodeFrame(FrameType.Data, 1, Buffer.from('hello')).subarray(0, 12));
    await until(() => l.opened.every((o) => o.lease.destroyed === 1), 'both leases destroyed');
    assert.ok(l.serverCall.destroyed);
  });

  it('no message grows beyond the gRPC message limit while the link is backed up', async () => {
    const limit = Number(TUNNEL_CHANNEL_OPTIONS['grpc.max_send_message_length']);
    const l = link();
    const n = 64; // 64 streams x one window (512 KiB) = 32 MiB in flight at most
    const streams = Array.from({ length: n }, () => l.openStream());
    await until(() => l.opened.length === n && l.opened.every((o) => o.lease.events), 'bound leases');
    l.clientCall.pause(); // the gateway does not read the call for a while (busy, or HTTP/2 window full)
    const chunk = Buffer.alloc(64 * 1024, 3);
    for (const o of l.opened) o.lease.pump(chunk);
    await until(() => l.opened.every((o) => o.lease.paused), 'every device paused by its window', 20_000);
    l.clientCall.resume();
    await until(() => streams.every((s) => s.sink.bytes >= STREAM_WINDOW), 'a window on every stream', 20_000);
    for (const o of l.opened) o.lease.stopPump();
    const largest = Math.max(...l.downBatches);
    assert.ok(largest <= limit, `a ${largest}-byte message (limit ${limit})`);
  });
});

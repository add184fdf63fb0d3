import type { Duplex } from 'node:stream';
import { TunnelError, isTunnelErrorCode } from '../tunnel.error';
import { FrameType, decodeFrames, decodePacket, jsonPayload, u32 } from './link.frame';
import { LinkWriter } from './link.writer';
import type { DeviceTunnel, StreamSink, TunnelStream } from './link.types';
import { StreamWindow } from './stream.window';

const MAX_ID = 0xffffffff;

class ClientStream implements TunnelStream {
  onDrain?: () => void;
  closed = false;
  readonly window: StreamWindow;

  constructor(
    private readonly link: LinkClient,
    readonly id: number,
    readonly sink: StreamSink,
  ) {
    this.window = new StreamWindow((n) => link.send(FrameType.Window, id, u32(n)));
  }

  write(chunk: Buffer): boolean {
    if (this.closed) return false;
    this.link.send(FrameType.Data, this.id, chunk);
    return this.window.sent(chunk.length);
  }

  ack(bytes: number, atOnce = false): void {
    if (!this.closed) this.window.ack(bytes, atOnce);
  }

  release(): void {
    this.close(FrameType.Release);
  }

  reset(): void {
    this.close(FrameType.Reset);
  }

  private close(type: FrameType): void {
    if (this.closed) return;
    this.closed = true;
    this.link.forget(this.id);
    this.link.send(type, this.id);
  }
}

/**
 * The gateway's end of one Link stream to an edge: many byte streams at once, each with its own id
 * and window. When the link breaks, every stream on it fails; the owner opens a new link.
 */
export class LinkClient implements DeviceTunnel {
  private nextId = 1;
  private nextPing = 1;
  private readonly streams = new Map<number, ClientStream>();
  private readonly pings = new Map<number, { resolve(): void; reject(e: TunnelError): void }>();
  private readonly writer: LinkWriter;
  private broken?: TunnelError;

  constructor(
    private readonly call: Duplex,
    mapError: (err: Error) => TunnelError,
  ) {
    this.writer = new LinkWriter(call);
    call.on('data', (batch: Buffer) => {
      try {
        decodeFrames(decodePacket(batch), this.onFrame);
      } catch (err) {
        this.breakAll(new TunnelError('internal', `Edge sent a malformed frame (${(err as Error).message})`));
        call.destroy();
      }
    });
    call.on('error', (err: Error) => this.breakAll(mapError(err)));
    call.on('end', () => this.breakAll(new TunnelError('unreachable', 'Edge closed the link')));
    call.on('close', () => this.breakAll(new TunnelError('unreachable', 'Edge link lost')));
  }

  get usable(): boolean {
    return !this.broken;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  open(mac: string, srcaddr: string, sink: StreamSink): TunnelStream {
    const id = this.nextId;
    this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    const s = new ClientStream(this, id, sink);
    if (this.broken) {
      const err = this.broken;
      s.closed = true;
      queueMicrotask(() => sink.fail(err));
      return s;
    }
    this.streams.set(id, s);
    this.send(FrameType.Open, id, jsonPayload({ mac, srcaddr }));
    return s;
  }

  ping(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextPing++;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { resolve, reject });
      this.send(FrameType.Ping, id);
    });
  }

  /** @internal */
  send(type: FrameType, id: number, payload?: Buffer): void {
    if (!this.broken) this.writer.push(type, id, payload);
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private readonly onFrame = (type: number, id: number, payload: Buffer): void => {
    if (type === FrameType.Pong) {
      const p = this.pings.get(id);
      this.pings.delete(id);
      p?.resolve();
      return;
    }
    const s = this.streams.get(id);
    if (!s) return; // released or reset here already
    switch (type) {
      case FrameType.Data:
        s.sink.data(payload);
        break;
      case FrameType.Window:
        if (s.window.granted(payload.readUInt32BE(0))) s.onDrain?.();
        break;
      case FrameType.GoAway:
        s.sink.goAway?.();
        break;
      case FrameType.End:
        s.closed = true;
        this.streams.delete(id);
        s.sink.end();
        break;
      case FrameType.Reset:
        s.closed = true;
        this.streams.delete(id);
        s.sink.fail(resetError(payload));
        break;
      default:
        break;
    }
  };

  private breakAll(err: TunnelError): void {
    if (this.broken) return;
    this.broken = err;
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) {
      s.closed = true;
      s.sink.fail(err);
    }
    for (const p of this.pings.values()) p.reject(err);
    this.pings.clear();
  }

  close(): void {
    this.call.end();
  }
}

function resetError(payload: Buffer): TunnelError {
  try {
    const { code, reason } = JSON.parse(payload.toString()) as { code?: string; reason?: string };
    return new TunnelError(code && isTunnelErrorCode(code) ? code : 'device-error', reason || 'Device connection reset');
  } catch {
    return new TunnelError('device-error', 'Device connection reset');
  }
}

import type { Duplex, Readable } from 'node:stream';
import { TunnelError } from '../tunnel.error';
import type { DeviceTunnel, RequestHead, TunnelResponse } from '../tunnel.types';
import { InboundBody, OutboundBody } from './body.window';
import { Frame, Packet, errorOf, kindOf, responseFrom, toWireHeaders } from './mux.frame';
import { PacketWriter } from './packet.writer';

interface Pending {
  resolve(r: TunnelResponse): void;
  reject(e: TunnelError): void;
  responded: boolean;
  inbound?: InboundBody;
  outbound?: OutboundBody;
  detach(): void;
}

/**
 * The gateway's end of one Link stream: many requests at once, each with its own id, window and
 * cancellation. When the link breaks, every request on it fails; the owner opens a new link.
 */
export class MuxClient implements DeviceTunnel {
  private nextId = 1;
  private readonly requests = new Map<number, Pending>();
  private readonly writer: PacketWriter;
  private broken?: TunnelError;

  constructor(
    private readonly call: Duplex,
    mapError: (err: Error) => TunnelError,
  ) {
    this.writer = new PacketWriter(call);
    call.on('data', (p: Packet) => {
      for (const f of p.frames ?? []) this.onFrame(f);
    });
    call.on('error', (err: Error) => this.breakAll(mapError(err)));
    call.on('end', () => this.breakAll(new TunnelError('unreachable', 'Edge closed the link')));
    call.on('close', () => this.breakAll(new TunnelError('unreachable', 'Edge link lost')));
  }

  get usable(): boolean {
    return !this.broken;
  }

  get inFlight(): number {
    return this.requests.size;
  }

  forward(head: RequestHead, body: Readable, signal: AbortSignal): Promise<TunnelResponse> {
    if (this.broken) return Promise.reject(this.broken);
    if (signal.aborted) return Promise.reject(new TunnelError('device-error', 'Request aborted by the user'));
    const id = this.nextId++;
    return new Promise<TunnelResponse>((resolve, reject) => {
      const onAbort = () => {
        this.writer.push({ id, cancel: true });
        this.finish(id, new TunnelError('device-error', 'Request aborted by the user'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const p: Pending = { resolve, reject, responded: false, detach: () => signal.removeEventListener('abort', onAbort) };
      this.requests.set(id, p);
      this.writer.push({ id, request: { ...head, headers: toWireHeaders(head.headers) } });
      p.outbound = new OutboundBody(id, body, (f) => this.writer.push(f), (err) => {
        // The user's upload broke off: the device must drop the request too.
        if (err && this.requests.has(id)) {
          this.writer.push({ id, cancel: true });
          this.finish(id, new TunnelError('device-error', 'Request aborted by the user'));
        }
      }, 'discard');
    });
  }

  private onFrame(f: Frame): void {
    const p = this.requests.get(f.id);
    if (!p) return; // finished or cancelled here already
    switch (kindOf(f)) {
      case 'response': {
        p.responded = true;
        p.inbound = new InboundBody((n) => this.writer.push({ id: f.id, window: n }));
        p.resolve({ head: responseFrom(f.response ?? {}), body: p.inbound.stream });
        break;
      }
      case 'data':
        p.inbound?.data(f.data as Buffer);
        break;
      case 'end':
        p.inbound?.end();
        this.finish(f.id);
        break;
      case 'failure':
        this.finish(f.id, errorOf(f));
        break;
      case 'window':
        p.outbound?.grant(f.window ?? 0);
        break;
      default:
        break;
    }
  }

  /** Done with a request: its response ended, failed, or the user left. */
  private finish(id: number, err?: TunnelError): void {
    const p = this.requests.get(id);
    if (!p) return;
    this.requests.delete(id);
    p.detach();
    if (err) {
      if (!p.responded) p.reject(err);
      else p.inbound?.fail(err);
    }
    // A response may end before the request body was sent whole (an early answer): stop sending it.
    p.outbound?.cancel();
  }

  private breakAll(err: TunnelError): void {
    if (this.broken) return;
    this.broken = err;
    for (const id of [...this.requests.keys()]) this.finish(id, err);
  }

  close(): void {
    this.call.end();
  }
}

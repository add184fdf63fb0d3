import type { Duplex, Readable } from 'node:stream';
import { TunnelError } from '../tunnel.error';
import type { RequestHead, TunnelResponse } from '../tunnel.types';
import { InboundBody, OutboundBody } from './body.window';
import { Frame, Packet, failureFrame, kindOf, requestFrom, toWireHeaders } from './mux.frame';
import { PacketWriter } from './packet.writer';

export type ForwardHandler = (head: RequestHead, body: Readable, signal: AbortSignal) => Promise<TunnelResponse>;

interface Serving {
  abort: AbortController;
  inbound: InboundBody;
  outbound?: OutboundBody;
}

/** The edge's end of one Link stream: runs each request it carries through `handler`. */
export function serveLink(call: Duplex, handler: ForwardHandler): void {
  const writer = new PacketWriter(call);
  const serving = new Map<number, Serving>();
  const send = (f: Frame) => writer.push(f);
  let closed = false;

  const drop = (id: number, reason: string) => {
    const s = serving.get(id);
    if (!s) return;
    serving.delete(id);
    s.abort.abort();
    s.inbound.fail(new TunnelError('device-error', reason));
    s.outbound?.cancel();
  };

  const start = (id: number, head: RequestHead) => {
    const s: Serving = { abort: new AbortController(), inbound: new InboundBody((n) => send({ id, window: n })) };
    serving.set(id, s);
    handler(head, s.inbound.stream, s.abort.signal).then(
      (res) => {
        if (closed || serving.get(id) !== s) return void res.body.destroy();
        send({ id, response: { ...res.head, headers: toWireHeaders(res.head.headers) } });
        s.outbound = new OutboundBody(id, res.body, send, () => serving.delete(id), 'destroy');
      },
      (err) => {
        if (serving.get(id) !== s) return;
        serving.delete(id);
        send(failureFrame(id, err));
      },
    );
  };

  call.on('data', (p: Packet) => {
    for (const f of p.frames ?? []) {
      switch (kindOf(f)) {
        case 'request':
          if (f.request && !serving.has(f.id)) start(f.id, requestFrom(f.request));
          break;
        case 'data':
          serving.get(f.id)?.inbound.data(f.data as Buffer);
          break;
        case 'end':
          serving.get(f.id)?.inbound.end();
          break;
        case 'window':
          serving.get(f.id)?.outbound?.grant(f.window ?? 0);
          break;
        case 'cancel':
          drop(f.id, 'Request aborted by the user');
          break;
        default:
          break;
      }
    }
  });
  const closeAll = () => {
    if (closed) return;
    closed = true;
    for (const id of [...serving.keys()]) drop(id, 'Gateway link lost');
  };
  call.on('error', closeAll);
  call.on('close', closeAll);
  call.on('end', () => call.end());
}

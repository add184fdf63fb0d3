import type { Duplex } from 'node:stream';
import { TunnelError } from '../tunnel.error';
import { FrameType, decodeFrames, decodePacket, jsonPayload, u32 } from './link.frame';
import { LinkWriter } from './link.writer';
import type { ChannelEvents, ChannelOpener, LeasedChannel } from './link.types';
import { StreamWindow } from './stream.window';

interface Serving {
  lease?: LeasedChannel;
  /** Bytes from the gateway that arrived before the channel was ready. */
  backlog?: Buffer[];
  done: boolean;
  window: StreamWindow;
  /** Bytes written to the channel with back-pressure, granted once it drains. */
  unacked: number;
}

/** The edge's end of one Link stream: binds each stream it carries to a device channel. */
export function serveLink(call: Duplex, opener: ChannelOpener): void {
  const writer = new LinkWriter(call);
  const serving = new Map<number, Serving>();
  let closed = false;

  const finish = (id: number, s: Serving) => {
    s.done = true;
    if (serving.get(id) === s) serving.delete(id);
  };

  const write = (s: Serving, chunk: Buffer) => {
    const lease = s.lease as LeasedChannel;
    const ok = lease.write(chunk);
    if (lease.queued === 0) s.window.ack(chunk.length, true);
    else if (ok) s.window.ack(chunk.length);
    else s.unacked += chunk.length;
  };

  const bind = (id: number, s: Serving, lease: LeasedChannel) => {
    const events: ChannelEvents = {
      data: (chunk) => {
        if (s.done) return;
        writer.push(FrameType.Data, id, chunk);
        if (!s.window.sent(chunk.length)) lease.pause();
      },
      end: () => {
        if (s.done) return;
        finish(id, s);
        writer.push(FrameType.End, id);
        lease.destroy();
      },
      close: (reason) => {
        if (s.done) return;
        finish(id, s);
        writer.push(FrameType.Reset, id, jsonPayload({ code: 'device-error', reason }));
      },
      drain: () => {
        const n = s.unacked;
        s.unacked = 0;
        if (n) s.window.ack(n);
      },
      goAway: () => {
        if (!s.done) writer.push(FrameType.GoAway, id);
      },
    };
    s.lease = lease;
    lease.bind(events);
    for (const chunk of s.backlog ?? []) write(s, chunk);
    s.backlog = undefined;
  };

  const open = (id: number, payload: Buffer) => {
    let mac = '';
    let srcaddr = '';
    try {
      ({ mac, srcaddr } = JSON.parse(payload.toString()) as { mac: string; srcaddr: string });
    } catch {
      writer.push(FrameType.Reset, id, jsonPayload({ code: 'internal', reason: 'Malformed stream open' }));
      return;
    }
    const s: Serving = { done: false, unacked: 0, window: new StreamWindow((n) => writer.push(FrameType.Window, id, u32(n))) };
    serving.set(id, s);
    opener(mac, srcaddr).then(
      (lease) => {
        if (s.done || closed) return void lease.release();
        bind(id, s, lease);
      },
      (err) => {
        if (s.done) return;
        finish(id, s);
        const e = TunnelError.from(err);
        writer.push(FrameType.Reset, id, jsonPayload({ code: e.code, reason: e.reason }));
      },
    );
  };

  const onFrame = (type: number, id: number, payload: Buffer) => {
    if (type === FrameType.Open) return open(id, payload);
    if (type === FrameType.Ping) return writer.push(FrameType.Pong, id);
    const s = serving.get(id);
    if (!s) return;
    switch (type) {
      case FrameType.Data:
        if (s.lease) write(s, payload);
        else (s.backlog ??= []).push(payload);
        break;
      case FrameType.Window:
        if (s.window.granted(payload.readUInt32BE(0))) s.lease?.resume();
        break;
      case FrameType.Release:
        finish(id, s);
        s.lease?.release();
        break;
      case FrameType.Reset:
        finish(id, s);
        s.lease?.destroy();
        break;
      default:
        break;
    }
  };

  call.on('data', (batch: Buffer) => {
    try {
      decodeFrames(decodePacket(batch), onFrame);
    } catch {
      call.destroy();
    }
  });
  const closeAll = () => {
    if (closed) return;
    closed = true;
    for (const s of serving.values()) {
      s.done = true;
      s.lease?.destroy();
    }
    serving.clear();
  };
  call.on('error', closeAll);
  call.on('close', closeAll);
  call.on('end', () => call.end());
}

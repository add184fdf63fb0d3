import * as net from 'node:net';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { channelAsSocket } from '@tether/protocol';

/** Where a device serves the channels the edge opens: its web server. */
export interface ChannelTarget {
  serve(channel: Duplex): void;
}

/** A real web server on the device's LAN (`--target http://host:port`): bytes are piped both ways. */
export function tcpTarget(host: string, port: number): ChannelTarget {
  return {
    serve(ch) {
      const channel = channelAsSocket(ch);
      const sock = net.connect({ host, port, noDelay: true });
      const stop = () => {
        sock.destroy();
        channel.destroy();
      };
      sock.on('error', stop);
      channel.on('error', stop);
      sock.on('close', () => channel.end());
      // The web server closed its side: once what it sent has reached the edge, close the channel too,
      // so the edge drops it from its keep-alive pool instead of sending the next request into it.
      channel.on('finish', () => channel.destroy());
      // A channel the edge closed (an aborted request) must take its origin socket with it: that
      // socket may be paused by back-pressure and would never notice its own end.
      channel.on('close', () => sock.destroy());
      channel.pipe(sock);
      sock.pipe(channel);
    },
  };
}

/** An in-process web server (the virtual camera): it reads and writes the channel itself. */
export function httpServerTarget(server: Server): ChannelTarget {
  return {
    serve(channel) {
      channel.on('error', () => channel.destroy());
      server.emit('connection', channelAsSocket(channel));
    },
  };
}

export function parseTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`--target must be an http:// URL, got ${url}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) };
}

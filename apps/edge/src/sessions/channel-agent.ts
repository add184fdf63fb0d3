import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { channelAsSocket } from '@tether/protocol';

/** Opens one forwarded-tcpip channel to the device's web server. */
export type ChannelOpener = () => Promise<Duplex>;

/**
 * An http.Agent whose "sockets" are SSH channels. Keep-alive reuses a channel for consecutive
 * requests (a new channel costs a round trip and the device a new connection to its web server);
 * maxSockets is the device's own concurrency, so the agent's queue is the O3C request queue.
 */
export class ChannelAgent extends http.Agent {
  constructor(
    private readonly open: ChannelOpener,
    maxSockets: number,
  ) {
    super({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  }

  override createConnection(_options: unknown, cb: (err: Error | null, socket?: Duplex) => void): undefined {
    this.open().then(
      (channel) => cb(null, channelAsSocket(channel)),
      (err: Error) => cb(err),
    );
    return undefined;
  }

  /** Requests waiting for a free channel, across all origins (there is one: the device). */
  queued(): number {
    let n = 0;
    for (const list of Object.values(this.requests)) n += list?.length ?? 0;
    return n;
  }

  active(): number {
    let n = 0;
    for (const list of Object.values(this.sockets)) n += list?.length ?? 0;
    return n;
  }
}

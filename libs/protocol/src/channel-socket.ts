import type { Duplex } from 'node:stream';

/**
 * node:http treats whatever it reads from as a net.Socket and calls socket-only methods on it. An
 * SSH channel has no Nagle, keepalive or event-loop ref to tune, so these are no-ops; both ends of
 * the tunnel (edge client side, agent server side) run HTTP over channels this way.
 */
export function channelAsSocket<T extends Duplex>(channel: T): T {
  const s = channel as unknown as Record<string, unknown>;
  const self = () => channel;
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref', 'setTimeout'])
    if (typeof s[name] !== 'function') s[name] = self;
  return channel;
}

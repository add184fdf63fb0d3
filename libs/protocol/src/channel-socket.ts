import type { Duplex } from 'node:stream';

/**
 * node:http treats whatever it reads from as a net.Socket and calls socket-only methods on it. An
 * SSH channel has no Nagle, keepalive or event-loop ref to tune, so these are no-ops; both ends of
 * the tunnel (edge client side, agent server side) run HTTP over channels this way.
 *
 * destroy() is made final as well: ssh2's destroy only sends CLOSE, and the channel emits 'close' once
 * its readable side has ended, which never happens while unread data sits in it (an abandoned
 * response): http.Agent would keep counting that channel as busy for ever. So whatever is left is
 * drained into the void.
 */
export function channelAsSocket<T extends Duplex>(channel: T): T {
  const s = channel as unknown as Record<string, unknown>;
  const self = () => channel;
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref', 'setTimeout'])
    if (typeof s[name] !== 'function') s[name] = self;
  if (!s.__finalDestroy) {
    const sshDestroy = channel.destroy.bind(channel);
    s.__finalDestroy = true;
    s.destroy = (err?: Error) => {
      sshDestroy(err);
      channel.removeAllListeners('data');
      channel.on('data', () => undefined);
      channel.resume();
      return channel;
    };
  }
  return channel;
}

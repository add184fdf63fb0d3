import type { Http2Session } from 'node:http2';

/** The receive window the edge grants a gateway's Link, per stream and per connection. */
export const LINK_RECEIVE_WINDOW = 4 * 1024 * 1024;

const widened = new WeakSet<Http2Session>();

/**
 * grpc-js servers ignore `grpc-node.flow_control_window` (grpc/grpc-node#3058, open): an edge's
 * HTTP/2 receive window stays at Node's 64 KiB, so gateway -> edge traffic (uploads) moves 64 KiB per
 * round trip whatever the Link's own windows allow. grpc-js gives no hook to its sessions, so the
 * session is found under the call (ServerDuplexStreamImpl.call -> ... -> .stream.session) and widened
 * once: SETTINGS_INITIAL_WINDOW_SIZE for the streams, setLocalWindowSize for the connection. If the
 * internals move, nothing breaks; uploads are slower.
 */
export function widenReceiveWindow(call: unknown, bytes = LINK_RECEIVE_WINDOW): boolean {
  let node = call as Record<string, unknown> | undefined;
  for (let depth = 0; node && depth < 6; depth++) {
    const session = (node.stream as { session?: Http2Session } | undefined)?.session;
    if (session) {
      if (widened.has(session) || session.destroyed) return true;
      widened.add(session);
      session.settings({ initialWindowSize: bytes });
      session.setLocalWindowSize(bytes);
      return true;
    }
    node = (node.call ?? node.nextCall) as Record<string, unknown> | undefined;
  }
  return false;
}

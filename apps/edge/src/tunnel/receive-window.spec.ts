import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import type { Http2Session } from 'node:http2';
import { TUNNEL_CHANNEL_OPTIONS, tunnelClientConstructor, tunnelService } from '@tether/protocol';
import { LINK_RECEIVE_WINDOW, widenReceiveWindow } from './receive-window';

describe('widening the HTTP/2 receive window of a Link (grpc-js ignores flow_control_window on servers)', () => {
  it('finds the session under a real grpc-js Link call and widens it once', async () => {
    const server = new grpc.Server(TUNNEL_CHANNEL_OPTIONS);
    const seen: Array<{ found: boolean; session?: Http2Session }> = [];
    let second = true;
    server.addService(tunnelService(), {
      Link: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        const found = widenReceiveWindow(call);
        second = widenReceiveWindow(call); // the same session again: nothing more to do, still found
        const session = (call as unknown as { call: { nextCall?: unknown; stream?: { session: Http2Session } } }).call;
        seen.push({ found, session: findSession(session) });
        call.end();
      },
      Command: () => undefined,
      Status: () => undefined,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const Ctor = tunnelClientConstructor();
    const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Link(): grpc.ClientDuplexStream<Buffer, Buffer>;
    };
    try {
      const link = client.Link();
      await new Promise<void>((resolve) => {
        link.on('data', () => undefined);
        link.on('end', resolve);
        link.on('error', () => resolve());
      });
      assert.equal(seen.length, 1);
      assert.equal(seen[0].found, true, 'grpc-js internals moved: the session is no longer under the call');
      assert.equal(second, true);
      const state = seen[0].session?.state;
      assert.ok(state && (state.effectiveLocalWindowSize ?? 0) >= LINK_RECEIVE_WINDOW, `local window ${state?.effectiveLocalWindowSize}`);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('answers false for something that is not a grpc-js call', () => {
    assert.equal(widenReceiveWindow({}), false);
    assert.equal(widenReceiveWindow(undefined), false);
  });
});

function findSession(node: unknown): Http2Session | undefined {
  let n = node as Record<string, unknown> | undefined;
  for (let i = 0; n && i < 6; i++) {
    const s = (n.stream as { session?: Http2Session } | undefined)?.session;
    if (s) return s;
    n = (n.call ?? n.nextCall) as Record<string, unknown> | undefined;
  }
  return undefined;
}

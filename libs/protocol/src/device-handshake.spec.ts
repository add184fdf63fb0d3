import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Client, Connection, Server } from 'ssh2';
import { encodeControl } from './control.message';
import { HandshakeError, HandshakeResult, deviceHandshake } from './device-handshake';
import { tunnelHostKey } from './host-key';
import { CONTROL_SUBSYSTEM } from './tunnel.constants';

const MAC = '00408c6e0001';

/**
 * Counts the timers the handshake starts and clears, and fires none unless told (libs/protocol depends on no
 * other lib, so not telemetry's ManualClock).
 */
function timers() {
  const live = new Map<object, () => void>();
  return {
    live,
    setTimeout: (fn: () => void) => {
      const h = {};
      live.set(h, fn);
      return h;
    },
    clearTimeout: (h: unknown) => void live.delete(h as object),
    fireAll: () => [...live.values()].forEach((fn) => fn()),
  };
}

/** A real ssh2 server running the handshake, and a real ssh2 client as the device. */
async function arrival(user: string, hello: object | null, t = timers()) {
  let conn!: Connection;
  let result!: Promise<HandshakeResult>;
  /** The listeners the handshake adds (synchronously, when it starts). */
  const added: { event: string; fn: unknown }[] = [];
  const tcp = net.createServer();
  const got = new Promise<void>((resolve) => {
    const server = new Server({ hostKeys: [tunnelHostKey()] }, (c) => {
      conn = c;
      const before = new Set(LISTENED.flatMap((event) => c.rawListeners(event)));
      result = deviceHandshake(c, MAC, t, 15_000);
      for (const event of LISTENED) for (const fn of c.rawListeners(event)) if (!before.has(fn)) added.push({ event, fn });
      result.catch(() => undefined);
      resolve();
    });
    tcp.on('connection', (s) => server.injectSocket(s));
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const client = new Client();
  client.on('error', () => undefined);
  client.on('ready', () =>
    client.subsys(CONTROL_SUBSYSTEM, (err, ch) => {
      if (!err && hello) ch.write(encodeControl(hello as never));
    }),
  );
  client.connect({ host: '127.0.0.1', port: (tcp.address() as net.AddressInfo).port, username: user, hostVerifier: () => true });
  await got;
  return {
    conn,
    result,
    /** The handshake's own listeners still on the connection, by event. */
    left: () => added.filter(({ event, fn }) => conn.rawListeners(event).includes(fn as never)).map(({ event }) => event),
    added,
    t,
    close: () => {
      client.end();
      tcp.close();
    },
  };
}

const LISTENED = ['authentication', 'session', 'error', 'close'] as const;
const HELLO = { type: 'hello', id: `1.${MAC}`, protocolVersion: 1, maxConn: 4, servers: [], firmware: 'test' };

describe('the server side of a device handshake', () => {
  it('resolves with the hello, and leaves no listener or timer of its own on the connection', { timeout: 10_000 }, async () => {
    const a = await arrival(`1.${MAC}`, HELLO);
    try {
      const { hello, control } = await a.result;
      assert.equal(hello.id, `1.${MAC}`);
      assert.equal(a.added.length, LISTENED.length, 'the handshake listened for each event');
      assert.ok(control.readable);
      // Whatever stays would hold the handshake's closure (its timer, the promise) for the connection's life.
      assert.deepEqual(a.left(), []);
      assert.equal(a.t.live.size, 0, 'the timeout is cleared');
      assert.equal(a.conn.listenerCount('request'), 1, 'remote forwarding is still granted');
    } finally {
      a.close();
    }
  });

  it('refuses a user that is not the certificate MAC, and lets go of the connection', { timeout: 10_000 }, async () => {
    const a = await arrival('1.00408c6e0002', HELLO);
    try {
      await assert.rejects(a.result, (err: HandshakeError) => err.result === 'mac_mismatch');
      assert.deepEqual(a.left(), []);
    } finally {
      a.close();
    }
  });

  it('times out without a hello', { timeout: 10_000 }, async () => {
    const a = await arrival(`1.${MAC}`, null);
    try {
      await new Promise((r) => setTimeout(r, 200));
      a.t.fireAll();
      await assert.rejects(a.result, (err: HandshakeError) => err.result === 'timeout');
      assert.deepEqual(a.left(), []);
    } finally {
      a.close();
    }
  });
});

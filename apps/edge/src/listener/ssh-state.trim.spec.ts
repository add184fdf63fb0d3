import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Client, ClientChannel, Connection, Server, ServerChannel, Session } from 'ssh2';
import { tunnelHostKey } from '@tether/protocol';
import { dropStderr, trimFinishedKex } from './ssh-state.trim';

/** The server's sessions answer `exec` with "pong". */
function pong(session: Session): void {
  session.on('exec', (acc) => {
    const ch = acc();
    ch.end('pong');
    ch.exit(0);
  });
}

/** A real ssh2 server and client over loopback; the server's connection is trimmed once the client is in. */
async function connected(
  kex?: string[],
  cipher?: string[],
  onSession: (session: Session) => void = pong,
): Promise<{ server: Server; client: Client; conn: Connection; close(): void }> {
  let conn!: Connection;
  const holder: { server?: Server } = {};
  const ready = new Promise<void>((resolve) => {
    const server = new Server({ hostKeys: [tunnelHostKey()] }, (c) => {
      conn = c;
      c.on('authentication', (ctx) => ctx.accept());
      c.on('ready', () => resolve());
      c.on('session', (accept) => onSession(accept()));
    });
    holder.server = server;
  });
  const tcp = net.createServer((s) => holder.server!.injectSocket(s));
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const client = new Client();
  client.connect({
    host: '127.0.0.1',
    port: (tcp.address() as net.AddressInfo).port,
    username: 'u',
    hostVerifier: () => true,
    algorithms: { ...(kex ? { kex: kex as never } : {}), ...(cipher ? { cipher: cipher as never } : {}) },
  });
  await Promise.all([ready, new Promise<void>((r) => client.once('ready', () => r()))]);
  return {
    server: holder.server!,
    client,
    conn,
    close: () => {
      client.end();
      tcp.close();
    },
  };
}

const exec = (client: Client) =>
  new Promise<string>((resolve, reject) =>
    client.exec('ping', (err, ch) => {
      if (err) return reject(err);
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.on('close', () => resolve(out));
    }),
  );

describe('trimming a finished SSH key exchange', () => {
  for (const kex of [undefined, ['ecdh-sha2-nistp256']]) {
    it(`keeps the connection working, and a rekey after it too (${kex?.[0] ?? 'default kex'})`, { timeout: 10_000 }, async () => {
      const c = await connected(kex);
      try {
        const proto = (c.conn as unknown as { _protocol: { _kex: object } })._protocol;
        const before = proto._kex;
        trimFinishedKex(c.conn);
        assert.notEqual(proto._kex, before, 'the key exchange object was replaced');
        assert.equal(await exec(c.client), 'pong');
        // Server-initiated: the same handling of a new KEXINIT as when a device rekeys.
        await new Promise<void>((resolve, reject) => c.conn.rekey((err?: Error) => (err ? reject(err) : resolve())));
        assert.equal(await exec(c.client), 'pong', 'after the rekey');
      } finally {
        c.close();
      }
    });
  }

  it('the edge host key signs what ssh2 verifies (the parsed-key signer)', async () => {
    const c = await connected();
    try {
      assert.equal(await exec(c.client), 'pong');
    } finally {
      c.close();
    }
  });

  it('the AES-GCM decipher\'s tag gets its own 16 bytes instead of pinning a pool slab, and decryption goes on', async () => {
    const c = await connected(undefined, ['aes128-gcm@openssh.com']);
    try {
      const decipher = (c.conn as unknown as { _protocol: { _decipher: { _tag: Buffer } } })._protocol._decipher;
      assert.equal(decipher._tag.buffer.byteLength, Buffer.poolSize, 'ssh2 takes the tag from the shared pool');
      trimFinishedKex(c.conn);
      assert.equal(decipher._tag.length, 16);
      assert.equal(decipher._tag.buffer.byteLength, 16, 'the tag owns its memory');
      for (let i = 0; i < 3; i++) assert.equal(await exec(c.client), 'pong', `request ${i + 1} after the trim`);
    } finally {
      c.close();
    }
  });

  for (const closedBy of ['device', 'edge'] as const) {
    it(`a control channel without its stderr stream carries data and closes cleanly (closed by the ${closedBy})`, { timeout: 10_000 }, async () => {
      let server!: ServerChannel;
      const c = await connected(undefined, undefined, (session) =>
        session.on('subsystem', (acc) => {
          server = acc();
          dropStderr(server);
          server.on('data', (d: Buffer) => server.write(d));
        }),
      );
      const errors: Error[] = [];
      c.conn.on('error', (e) => errors.push(e));
      try {
        // The server accepts the channel before the client hears of it.
        const ch = await new Promise<ClientChannel>((resolve, reject) => c.client.subsys('o3c-control', (err, ch) => (err ? reject(err) : resolve(ch))));
        assert.equal((server.stderr as unknown as { writable: boolean }).writable, false, 'no stderr Writable');
        const echoed = new Promise<string>((r) => ch.once('data', (d: Buffer) => r(d.toString())));
        ch.write('ping');
        assert.equal(await echoed, 'ping');
        const closed = Promise.all([new Promise((r) => server.once('close', r)), new Promise((r) => ch.once('close', r))]);
        if (closedBy === 'device') ch.close();
        else server.close();
        await closed;
        assert.deepEqual(errors, []);
      } finally {
        c.close();
      }
    });
  }
});

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { DeviceTunnel, StreamSink, TunnelError, TunnelStream } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import { Logger, ManualClock } from '@tether/telemetry';
import { AuthMode, InternalAuth } from '../auth/internal-auth';
import { RequestLedger } from '../requests/request-ledger';
import { ForwardConfig, forwardResolver } from './forward.resolver';
import { ProxyConnection, ProxyContext } from './proxy.connection';
import { RequestRefusal } from './http.head';
import { DigestChallenge, digestAuthorization, parseChallenges } from '@tether/protocol';

const MAC_A = '00408c1a0001'; // on edge-0
const MAC_B = '00408c1a0002'; // on edge-1
const UNKNOWN = '00408c1a00ff';
const TIMEOUT_MS = 2000;
const GRACE_MS = 3000;

const o3c = (reason: string) => `Request failed. (Reason: ${reason}.)\n`;
const get = (mac: string, path: string, ...headers: string[]) => [`GET http://${mac}${path} HTTP/1.1`, `Host: ${mac}`, ...headers, '', ''].join('\r\n');
/** The head the device gets for `get(mac, path)`. */
const devGet = (mac: string, path: string, ...headers: string[]) => [`GET ${path} HTTP/1.1`, `Host: ${mac}`, ...headers, '', ''].join('\r\n');
const ok = (body: string, ...headers: string[]) =>
  [`HTTP/1.1 200 OK`, `Content-Length: ${Buffer.byteLength(body)}`, ...headers, '', body].join('\r\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

// ---- fakes -------------------------------------------------------------------------------------

/** One stream to a device; the test plays the device through the sink. */
class FakeStream implements TunnelStream {
  onDrain?: () => void;
  written: Buffer[] = [];
  acked = 0;
  released = false;
  wasReset = false;
  /** What write() answers: false stands for a full window. */
  writeResult = true;

  constructor(
    readonly mac: string,
    readonly srcaddr: string,
    readonly sink: StreamSink,
  ) {}

  write(chunk: Buffer): boolean {
    this.written.push(Buffer.from(chunk));
    return this.writeResult;
  }
  ack(bytes: number): void {
    this.acked += bytes;
  }
  release(): void {
    assert.ok(!this.released && !this.wasReset, 'a stream is released or reset once');
    this.released = true;
  }
  reset(): void {
    assert.ok(!this.released && !this.wasReset, 'a stream is released or reset once');
    this.wasReset = true;
  }

  get text(): string {
    return Buffer.concat(this.written).toString('latin1');
  }
  get bytes(): number {
    return this.written.reduce((n, b) => n + b.length, 0);
  }
  /** The device sends these bytes, each string as its own chunk. */
  send(...parts: Array<string | Buffer>): void {
    for (const p of parts) this.sink.data(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  }
}

class FakeTunnel implements DeviceTunnel {
  streams: FakeStream[] = [];
  pings = 0;
  /** answer: the edge is alive; silent: frozen; fail: the link is broken */
  pingMode: 'answer' | 'silent' | 'fail' = 'answer';

  constructor(readonly edgeId: string) {}

  open(mac: string, srcaddr: string, sink: StreamSink): TunnelStream {
    const s = new FakeStream(mac, srcaddr, sink);
    this.streams.push(s);
    return s;
  }
  ping(): Promise<void> {
    this.pings++;
    if (this.pingMode === 'answer') return Promise.resolve();
    if (this.pingMode === 'fail') return Promise.reject(new TunnelError('unreachable', 'Edge unreachable'));
    return new Promise(() => undefined);
  }
  get last(): FakeStream {
    return this.streams[this.streams.length - 1];
  }
}

/** The user's end of the connection: every byte it received, and whether it closed. */
class User {
  /** Bytes received so far. */
  received = 0;
  closed = false;
  private chunks: Buffer[] = [];
  private consumed = 0;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.received += b.length;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }
  get buf(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
  write(s: string | Buffer): void {
    this.socket.write(s);
  }
  get text(): string {
    return this.buf.toString('latin1');
  }
  /** Everything received since the last call. */
  async take(n: number, what = `${n} bytes`): Promise<string> {
    await until(() => this.received - this.consumed >= n || this.closed, what);
    const s = this.buf.toString('latin1', this.consumed, this.consumed + n);
    this.consumed += s.length;
    return s;
  }
  /** Reads one response with a Content-Length body (or none, for `noBody`). */
  async response(opts: { noBody?: boolean } = {}): Promise<{ status: number; head: string; headers: Record<string, string>; body: string }> {
    await until(() => this.buf.indexOf('\r\n\r\n', this.consumed) >= 0 || this.closed, 'a response head');
    const end = this.buf.indexOf('\r\n\r\n', this.consumed);
    if (end < 0) throw new Error(`closed before a response head: ${JSON.stringify(this.text.slice(this.consumed))}`);
    const head = this.buf.toString('latin1', this.consumed, end);
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    this.consumed = end + 4;
    const len = opts.noBody ? 0 : Number(headers['content-length'] ?? 0);
    const body = await this.take(len, `${len} body bytes`);
    assert.equal(body.length, len, `closed after ${body.length} of ${len} body bytes`);
    return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]), head, headers, body };
  }
  /** Nothing more arrives for a while. */
  async quiet(ms = 50): Promise<void> {
    const before = this.received;
    await sleep(ms);
    assert.equal(this.received, before, `unexpected bytes: ${JSON.stringify(this.text.slice(before))}`);
  }
}

/** A ProxyConnection over a real loopback socket pair, with fake routing, tunnels and clock. */
class Harness {
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly edges = { 'edge-0': new FakeTunnel('edge-0'), 'edge-1': new FakeTunnel('edge-1') };
  readonly devices = new Map<string, keyof Harness['edges']>([
    [MAC_A, 'edge-0'],
    [MAC_B, 'edge-1'],
  ]);
  readonly responses: number[] = [];
  readonly logs: string[] = [];
  readonly routed: string[] = [];
  /** Replaces the presence lookup for a test (to hold it, or fail it). */
  route?: (mac: string) => Promise<PresenceRecord | null>;
  server!: net.Server;
  serverSocket!: net.Socket;
  user!: User;
  ctx: ProxyContext;

  /** The live keys the forward resolver reads per request. */
  readonly config: ForwardConfig = { user_credentials: '', credentials: '' };
  readonly ledger = new RequestLedger();
  /** force_authentication_mode, read per request. */
  mode: AuthMode = 0;
  readonly auth = new InternalAuth({ mode: () => this.mode, cnonce: () => 'c0ffee' });
  readonly bytes = { in: 0, out: 0 };

  constructor(opts: Partial<ProxyContext> = {}, config: Partial<ForwardConfig> = {}) {
    Object.assign(this.config, config);
    this.ctx = {
      maxHeaderSize: 8192,
      requestTimeoutMs: () => TIMEOUT_MS,
      resolve: forwardResolver(() => this.config),
      edgeGraceMs: GRACE_MS,
      route: (mac) => {
        this.routed.push(mac);
        return this.route ? this.route(mac) : Promise.resolve(this.record(mac));
      },
      tunnel: (address) => {
        const t = this.edges[address.replace(/:.*/, '') as keyof Harness['edges']];
        assert.ok(t, `no edge at ${address}`);
        return t;
      },
      clock: this.clock,
      onResponse: (status) => this.responses.push(status),
      onBytes: (direction, n) => (this.bytes[direction] += n),
      ledger: this.ledger,
      auth: this.auth,
      log: new Logger({ sinks: [(line) => this.logs.push(line)] }),
      ...opts,
    };
  }

  record(mac: string): PresenceRecord | null {
    const edgeId = this.devices.get(mac);
    if (!edgeId) return null;
    return { mac, edgeId, edgeAddress: `${edgeId}:50051`, connectionId: `1.${mac}`, epoch: '1', srcaddr: '198.51.100.1:1', connectedAt: 0, protocolVersion: 3 };
  }

  get a(): FakeTunnel {
    return this.edges['edge-0'];
  }
  get b(): FakeTunnel {
    return this.edges['edge-1'];
  }

  async start(): Promise<this> {
    let accepted!: () => void;
    const ready = new Promise<void>((r) => (accepted = r));
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.serverSocket = socket;
      new ProxyConnection(socket, this.ctx);
      accepted();
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    const socket = net.connect({ port: (this.server.address() as AddressInfo).port, host: '127.0.0.1' });
    await new Promise<void>((r, j) => socket.once('connect', () => r()).once('error', j));
    this.user = new User(socket);
    await ready;
    return this;
  }

  close(): void {
    this.user?.socket.destroy();
    this.serverSocket?.destroy();
    this.server?.close();
  }
}

let h: Harness;
const start = async (opts: Partial<ProxyContext> = {}, config: Partial<ForwardConfig> = {}) => (h = await new Harness(opts, config).start());
afterEach(() => h?.close());

/** Waits until `tunnel` has stream number `i` (0-based) holding `text`. */
async function streamWith(tunnel: FakeTunnel, i: number, text: string, ms?: number): Promise<FakeStream> {
  await until(() => tunnel.streams[i]?.text === text, `stream ${i} with ${JSON.stringify(text)}; have ${JSON.stringify(tunnel.streams.map((s) => s.text))}`, ms);
  return tunnel.streams[i];
}

// ---- requests and responses ------------------------------------------------------------------

describe('ProxyConnection: requests to one device', () => {
  it('pipelined requests are sent at once over one stream, and the answers pass on in order, byte for byte', async () => {
    await start();
    h.user.write(get(MAC_A, '/1') + get(MAC_A, '/2?q=1') + get(MAC_A, '/3'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1') + devGet(MAC_A, '/2?q=1') + devGet(MAC_A, '/3'));
    assert.equal(s.mac, MAC_A);
    const answers = ok('one') + 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n' + ok('three', 'X-N: 3');
    // in pieces cut across message boundaries
    s.send(answers.slice(0, 30), answers.slice(30, 41), answers.slice(41, 100), answers.slice(100));
    await until(() => h.user.received >= answers.length, 'the three answers');
    await h.user.quiet();
    assert.equal(h.user.text, answers);
    assert.deepEqual(h.responses, [200, 200, 200]);
    assert.equal(h.a.streams.length, 1, 'one stream carried all three');
    assert.equal(s.acked, answers.length, 'every byte the user took is acknowledged');
    assert.equal(s.released || s.wasReset, false, 'the stream stays bound for the next request');
  });

  it('a request for another device waits until the first device answered; then the first stream is released (not reset) and a second opened', async () => {
    await start();
    h.user.write(get(MAC_A, '/a') + get(MAC_B, '/b'));
    const sa = await streamWith(h.a, 0, devGet(MAC_A, '/a'));
    await sleep(30);
    assert.equal(h.b.streams.length, 0, 'nothing for B before A answered');
    assert.deepEqual(h.routed, [MAC_A]);
    assert.equal(sa.released, false);
    sa.send(ok('from A'));
    const sb = await streamWith(h.b, 0, devGet(MAC_B, '/b'));
    assert.equal(sa.released, true, 'A stream released');
    assert.equal(sa.wasReset, false, 'A stream not reset');
    assert.equal(sb.mac, MAC_B);
    sb.send(ok('from B'));
    assert.equal((await h.user.response()).body, 'from A');
    assert.equal((await h.user.response()).body, 'from B');
    assert.equal(h.user.closed, false);
  });

  it('an unknown device gets 404 in the O3C form, and the connection stays usable', async () => {
    await start();
    h.user.write(get(UNKNOWN, '/x'));
    const r = await h.user.response();
    assert.equal(r.status, 404);
    assert.equal(r.body, o3c(`Device ${UNKNOWN} is not connected`));
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers.connection, undefined);
    assert.deepEqual(h.responses, [404]);
    h.user.write(get(MAC_A, '/after'));
    (await streamWith(h.a, 0, devGet(MAC_A, '/after'))).send(ok('fine'));
    assert.equal((await h.user.response()).body, 'fine');
    assert.equal(h.user.closed, false);
  });

  it('an unknown device pipelined behind a known one is answered in its turn', async () => {
    await start();
    h.user.write(get(MAC_A, '/a') + get(UNKNOWN, '/x') + get(MAC_A, '/c'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/a'));
    s.send(ok('first'));
    assert.equal((await h.user.response()).body, 'first');
    assert.equal((await h.user.response()).status, 404);
    await until(() => s.text === devGet(MAC_A, '/a') + devGet(MAC_A, '/c'), 'the third request on the same stream');
    s.send(ok('third'));
    assert.equal((await h.user.response()).body, 'third');
    assert.equal(h.a.streams.length, 1);
  });

  it('a HEAD response with a Content-Length has no body: the answer pipelined after it is its own', async () => {
    await start();
    h.user.write(`HEAD http://${MAC_A}/big HTTP/1.1\r\nHost: x\r\n\r\n` + get(MAC_A, '/next'));
    const s = await streamWith(h.a, 0, `HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n` + devGet(MAC_A, '/next'));
    s.send('HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n' + ok('next'));
    const head = await h.user.response({ noBody: true });
    assert.equal(head.headers['content-length'], '12345');
    assert.equal((await h.user.response()).body, 'next');
    assert.deepEqual(h.responses, [200, 200], 'both answers complete');
    // The gateway knows A answered everything: a request for B goes ahead at once.
    h.user.write(get(MAC_B, '/b'));
    await streamWith(h.b, 0, devGet(MAC_B, '/b'));
    assert.equal(s.released, true);
  });

  it('204 and 304 answers have no body whatever their headers say', async () => {
    await start();
    h.user.write(get(MAC_A, '/1') + get(MAC_A, '/2') + get(MAC_A, '/3'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1') + devGet(MAC_A, '/2') + devGet(MAC_A, '/3'));
    s.send('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n', ok('3'));
    await until(() => h.responses.length === 3, 'three answers');
    assert.deepEqual(h.responses, [204, 304, 200]);
  });

  it('a chunked response (extensions, trailers, odd splits) passes through byte-identical and ends where it ends', async () => {
    await start();
    h.user.write(get(MAC_A, '/c') + get(MAC_A, '/after'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/c') + devGet(MAC_A, '/after'));
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n' +
      '5;ext=1\r\nhello\r\nA\r\n0123456789\r\n15\r\n' +
      '\r\n0\r\n\r\n'.repeat(3) +
      '\r\n0\r\nX-Sum: 42\r\n\r\n';
    const all = chunked + ok('after');
    for (let i = 0; i < all.length; i += 7) s.send(all.slice(i, i + 7));
    await until(() => h.user.received >= all.length, 'everything');
    assert.equal(h.user.text, all);
    assert.deepEqual(h.responses, [200, 200]);
  });

  it('a response delimited by the close ends the user connection with it', async () => {
    await start();
    h.user.write(get(MAC_A, '/stream'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/stream'));
    s.send('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'part 1, ', 'part 2');
    await until(() => h.user.text.endsWith('part 2'), 'the body so far');
    await sleep(20);
    assert.equal(h.user.closed, false, 'open until the device closes');
    assert.deepEqual(h.responses, []);
    s.sink.end();
    await until(() => h.user.closed, 'the user connection closed');
    assert.equal(h.user.text, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart 1, part 2');
    assert.deepEqual(h.responses, [200]);
  });

  it('a device answer with Connection: close is the last on its stream: the next request opens another', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    const s1 = await streamWith(h.a, 0, devGet(MAC_A, '/1'));
    s1.send(ok('one', 'Connection: close'));
    assert.equal((await h.user.response()).body, 'one');
    assert.equal(s1.wasReset, true, 'the stream of a closing device connection is dropped');
    h.user.write(get(MAC_A, '/2'));
    (await streamWith(h.a, 1, devGet(MAC_A, '/2'))).send(ok('two'));
    assert.equal((await h.user.response()).body, 'two');
    assert.equal(s1.text, devGet(MAC_A, '/1'), 'nothing more went to the closing connection');
  });

  it('a user Connection: close gets its answer, then the connection closes and the stream is released for reuse', async () => {
    await start();
    h.user.write(get(MAC_A, '/bye', 'Connection: close'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/bye'));
    s.send(ok('bye'));
    assert.equal((await h.user.response()).body, 'bye');
    await until(() => h.user.closed, 'the close');
    assert.equal(s.released, true);
    assert.equal(s.wasReset, false);
  });

  it('a user Connection: close: the answer says Connection: close, though the device keeps its connection alive', async () => {
    await start();
    h.user.write(get(MAC_A, '/a', 'Connection: close'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/a'));
    // The head in two pieces: the rewrite must hold for a head carried over from an earlier chunk too.
    s.send('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-');
    await sleep(10);
    s.send('Alive: timeout=5\r\nContent-Length: 3\r\n\r\nbye');
    const r = await h.user.response();
    assert.equal(r.body, 'bye');
    assert.equal(r.headers['connection'], 'close');
    assert.equal(r.headers['keep-alive'], undefined);
    await until(() => h.user.closed, 'the close');
    assert.equal(s.released, true, 'the device connection goes back to the pool');
  });

  it('an HTTP/1.0 request without keep-alive: answered, then closed; with keep-alive: kept', async () => {
    await start();
    h.user.write(`GET http://${MAC_A}/ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`);
    const s = await streamWith(h.a, 0, `GET /ten HTTP/1.0\r\nHost: ${MAC_A}\r\nConnection: keep-alive\r\n\r\n`);
    s.send(ok('kept', 'Connection: keep-alive'));
    assert.equal((await h.user.response()).body, 'kept');
    await sleep(30);
    assert.equal(h.user.closed, false);
    h.user.write(`GET http://${MAC_A}/ten2 HTTP/1.0\r\n\r\n`);
    await until(() => s.text.endsWith(`GET /ten2 HTTP/1.0\r\nHost: ${MAC_A}\r\nConnection: keep-alive\r\n\r\n`), 'the second request');
    s.send(ok('closing'));
    assert.equal((await h.user.response()).body, 'closing');
    await until(() => h.user.closed, 'the close');
    assert.equal(s.released, true);
  });

  it('a request body (Content-Length and chunked) follows its head on the stream, and the next request after it', async () => {
    await start();
    const chunkedBody = '4\r\nwiki\r\n0\r\nX-T: 1\r\n\r\n';
    h.user.write(`POST http://${MAC_A}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n`);
    await sleep(10);
    h.user.write('hel');
    await sleep(10);
    h.user.write('lo' + `PUT http://${MAC_A}/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n` + chunkedBody + get(MAC_A, '/g'));
    const want =
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello` +
      `PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedBody}` +
      devGet(MAC_A, '/g');
    const s = await streamWith(h.a, 0, want);
    s.send(ok('1') + ok('2') + ok('3'));
    await until(() => h.responses.length === 3, 'three answers');
  });

  it('an interim 100 Continue passes on; the final answer follows', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
    s.send('HTTP/1.1 100 Continue\r\n\r\n');
    assert.equal(await h.user.take(25), 'HTTP/1.1 100 Continue\r\n\r\n');
    h.user.write('data');
    await until(() => s.text.endsWith('data'), 'the body');
    s.send(ok('stored'));
    assert.equal((await h.user.response()).body, 'stored');
    assert.deepEqual(h.responses, [200]);
  });

  it('101 Switching Protocols turns the connection into a raw tunnel both ways', async () => {
    await start();
    h.user.write(get(MAC_A, '/ws', 'Connection: Upgrade', 'Upgrade: echo'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/ws', 'Upgrade: echo', 'Connection: Upgrade'));
    s.send('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello from device');
    await until(() => h.user.text.endsWith('hello from device'), 'the 101 and the first bytes');
    h.user.write('GET not http\r\n\r\nraw');
    await until(() => s.text.endsWith('GET not http\r\n\r\nraw'), 'raw bytes to the device');
    s.send('HTTP/1.1 200 raw too');
    await until(() => h.user.text.endsWith('HTTP/1.1 200 raw too'), 'raw bytes to the user');
    assert.deepEqual(h.responses, [101]);
    h.clock.advance(10 * TIMEOUT_MS);
    s.sink.end();
    await until(() => h.user.closed, 'the close');
  });
});

describe('ProxyConnection: a device connection that closes', () => {
  it('closed unused (kept alive, closed as it was reused): the GET is sent once more on a new stream', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    const s1 = await streamWith(h.a, 0, devGet(MAC_A, '/1'));
    s1.send(ok('one'));
    assert.equal((await h.user.response()).body, 'one');
    h.user.write(get(MAC_A, '/2'));
    await until(() => s1.text === devGet(MAC_A, '/1') + devGet(MAC_A, '/2'), 'the second request on the kept stream');
    s1.sink.end(); // the device closed its side without answering
    const s2 = await streamWith(h.a, 1, devGet(MAC_A, '/2'));
    s2.send(ok('two'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'two');
    assert.deepEqual(h.responses, [200, 200]);
    assert.equal(h.a.streams.length, 2);
  });

  it('reset by the device (device-error) before answering: the GET is sent once more as well', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    const s1 = await streamWith(h.a, 0, devGet(MAC_A, '/1'));
    s1.sink.fail(new TunnelError('device-error', 'Device closed the connection'));
    (await streamWith(h.a, 1, devGet(MAC_A, '/1'))).send(ok('again'));
    assert.equal((await h.user.response()).body, 'again');
  });

  it('only once: closed again on the new stream, the user gets 502 "Device closed the connection"', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    (await streamWith(h.a, 0, devGet(MAC_A, '/1'))).sink.end();
    (await streamWith(h.a, 1, devGet(MAC_A, '/1'))).sink.end();
    const r = await h.user.response();
    assert.equal(r.status, 502);
    assert.equal(r.body, o3c('Device closed the connection'));
    await sleep(20);
    assert.equal(h.a.streams.length, 2, 'no third attempt');
  });

  it('a POST is never sent twice: 502 at once', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi`);
    const s = await streamWith(h.a, 0, 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
    s.sink.end();
    const r = await h.user.response();
    assert.equal(r.status, 502);
    assert.equal(r.body, o3c('Device closed the connection'));
    assert.equal(h.a.streams.length, 1);
  });

  it('refused by the edge as busy: the user hears why at once, in the O3C form, and nothing is resent', async () => {
    await start();
    h.user.write(get(MAC_A, '/2'));
    (await streamWith(h.a, 0, devGet(MAC_A, '/2'))).sink.fail(new TunnelError('busy', `Device ${MAC_A} is busy`));
    const r = await h.user.response();
    assert.equal(r.status, 503);
    assert.equal(r.body, o3c(`Device ${MAC_A} is busy`));
    assert.equal(h.a.streams.length, 1, 'no resend for a refusal');
  });

  it('refused by the edge as not connected (the device moved): the request follows it to its new connection', async () => {
    await start();
    h.user.write(get(MAC_A, '/moved'));
    (await streamWith(h.a, 0, devGet(MAC_A, '/moved'))).sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is moving to another server`));
    // Presence still names the old connection for a while: the request waits, polling.
    await sleep(20);
    h.clock.advance(100);
    await sleep(20);
    assert.equal(h.b.streams.length, 0);
    h.route = async (mac) => ({ ...(h.record(mac) as PresenceRecord), edgeId: 'edge-1', edgeAddress: 'edge-1:50051', epoch: '2' });
    h.clock.advance(100);
    const s = await streamWith(h.b, 0, devGet(MAC_A, '/moved'));
    s.send(ok('from B'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'from B');
    assert.equal(h.a.streams.length, 1, 'the old edge was not asked again');
  });

  it('refused as not connected and presence names no other connection within 10 s: 404 in the O3C form', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    (await streamWith(h.a, 0, devGet(MAC_A, '/1'))).sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is not connected`));
    for (let t = 0; t < 10_000; t += 100) {
      await sleep(1);
      h.clock.advance(100);
    }
    const r = await h.user.response();
    assert.equal(r.status, 404);
    assert.equal(r.body, o3c(`Device ${MAC_A} is not connected`));
    assert.equal(h.a.streams.length, 1, 'the same connection is never asked again');
  });

  it('refused as not connected while presence says the device is offline: 404 at once', async () => {
    await start();
    h.user.write(get(MAC_A, '/gone'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/gone'));
    h.devices.delete(MAC_A);
    s.sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is not connected`));
    assert.equal((await h.user.response()).status, 404);
  });

  const moveToB = () => (h.route = async (mac) => ({ ...(h.record(mac) as PresenceRecord), edgeId: 'edge-1', edgeAddress: 'edge-1:50051', epoch: '2' }));

  it('a request whose body was passed on follows with it: head and body go again to the new connection', async () => {
    await start();
    const post = `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`;
    h.user.write(`POST http://${MAC_A}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`);
    const s = await streamWith(h.a, 0, post);
    moveToB();
    s.sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is moving to another server`));
    const s2 = await streamWith(h.b, 0, post);
    s2.send(ok('got hello'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'got hello');
  });

  it('a body still arriving when the request follows: the rest waits, then goes to the new connection after what was passed on', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst`);
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst`);
    s.sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is moving to another server`));
    h.user.write('-rest'); // arrives while presence still names the old connection
    await sleep(20);
    assert.equal(h.b.streams.length, 0);
    moveToB();
    h.clock.advance(100);
    const s2 = await streamWith(h.b, 0, `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst-rest`);
    s2.send(ok('whole'));
    assert.equal((await h.user.response()).status, 200);
    assert.equal(h.a.streams[0].text.endsWith('first'), true, 'the old stream got nothing more');
  });

  it('a request that passed on more than 256 KiB of body does not follow: 503 at once, the device having moved', async () => {
    await start();
    const big = 256 * 1024 + 1;
    h.user.write(`POST http://${MAC_A}/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${big}\r\n\r\n` + 'x'.repeat(big));
    await until(() => (h.a.streams[0]?.text.length ?? 0) >= big, 'the whole body passed on');
    moveToB();
    h.a.streams[0].sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is not connected`));
    const r = await h.user.response();
    assert.equal(r.status, 503);
    assert.equal(r.body, o3c(`Device ${MAC_A} moved to another server while the request was under way`));
    assert.equal(r.headers['retry-after'], '0', 'it may be sent again at once');
    assert.equal(h.b.streams.length, 0, 'nothing was sent again');
  });

  for (const [where, gone] of [['still names the refusing connection', false], ['says the device is offline', true]] as const)
    it(`a request that cannot follow, refused while presence ${where}: 404`, async () => {
      await start();
      const big = 256 * 1024 + 1;
      h.user.write(`POST http://${MAC_A}/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${big}\r\n\r\n` + 'x'.repeat(big));
      await until(() => (h.a.streams[0]?.text.length ?? 0) >= big, 'the whole body passed on');
      if (gone) h.devices.delete(MAC_A);
      h.a.streams[0].sink.fail(new TunnelError('not-connected', `Device ${MAC_A} is not connected`));
      const r = await h.user.response();
      assert.equal(r.status, 404);
      assert.equal(r.body, o3c(`Device ${MAC_A} is not connected`));
    });

  it('GoAway on an idle kept-alive stream (the device is leaving its edge): given back at once, the next request routed afresh', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1'));
    s.send(ok('one'));
    assert.equal((await h.user.response()).body, 'one');
    s.sink.goAway?.();
    assert.equal(s.released, true, 'released at a message boundary, not reset');
    h.devices.set(MAC_A, 'edge-1'); // where presence names it now
    h.user.write(get(MAC_A, '/2'));
    const s2 = await streamWith(h.b, 0, devGet(MAC_A, '/2'));
    s2.send(ok('two'));
    assert.equal((await h.user.response()).body, 'two');
    assert.equal(h.a.streams.length, 1);
  });

  it('GoAway while a request is in flight: its answer still comes over the old stream, the next request goes afresh', async () => {
    await start();
    h.user.write(get(MAC_A, '/slow'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/slow'));
    s.sink.goAway?.();
    assert.equal(s.released || s.wasReset, false, 'kept while its answer is owed');
    s.send(ok('slow answer'));
    assert.equal((await h.user.response()).body, 'slow answer');
    assert.ok(s.released || s.wasReset, 'given up after the answer');
    h.devices.set(MAC_A, 'edge-1');
    h.user.write(get(MAC_A, '/next'));
    (await streamWith(h.b, 0, devGet(MAC_A, '/next'))).send(ok('next'));
    assert.equal((await h.user.response()).body, 'next');
  });

  it('a device failing mid-body: the user socket is destroyed, the response left incomplete', async () => {
    await start();
    h.user.write(get(MAC_A, '/big'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/big'));
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n';
    s.send(head, '0123456789');
    await until(() => h.user.received === head.length + 10, 'the start of the body');
    s.sink.fail(new TunnelError('device-error', 'Device closed the connection mid-response'));
    await until(() => h.user.closed, 'the user connection destroyed');
    assert.equal(h.user.text, head + '0123456789', 'nothing after the cut: no error answer inside the body');
  });

  it('a device ending mid-body (clean close of its side) also cuts the user connection', async () => {
    await start();
    h.user.write(get(MAC_A, '/big'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/big'));
    s.send('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
    s.sink.end();
    await until(() => h.user.closed, 'the user connection destroyed');
    assert.ok(h.user.text.endsWith('abc'));
  });

  it('a malformed response: 502 "Device sent a malformed response", the stream is reset, the connection serves the next request', async () => {
    await start();
    h.user.write(get(MAC_A, '/bad'));
    const s1 = await streamWith(h.a, 0, devGet(MAC_A, '/bad'));
    s1.send('HTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const r = await h.user.response();
    assert.equal(r.status, 502);
    assert.equal(r.body, o3c('Device sent a malformed response'));
    assert.equal(s1.wasReset, true);
    h.user.write(get(MAC_A, '/good'));
    (await streamWith(h.a, 1, devGet(MAC_A, '/good'))).send(ok('good'));
    assert.equal((await h.user.response()).body, 'good');
  });

  it('a malformed chunked body after the head went out: the user connection is destroyed', async () => {
    await start();
    h.user.write(get(MAC_A, '/c'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/c'));
    s.send('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'zz\r\n');
    await until(() => h.user.closed, 'the user connection destroyed');
    assert.equal(s.wasReset, true);
  });
});

describe('ProxyConnection: request_timeout', () => {
  it('the device does not answer, the edge answers the ping: 504 "Device <mac> did not answer within N s"', async () => {
    await start();
    h.user.write(get(MAC_A, '/hang'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/hang'));
    h.clock.advance(TIMEOUT_MS - 1);
    await h.user.quiet(20);
    assert.equal(h.a.pings, 0);
    h.clock.advance(1);
    const r = await h.user.response();
    assert.equal(r.status, 504);
    assert.equal(r.body, o3c(`Device ${MAC_A} did not answer within 2 s`));
    assert.equal(h.a.pings, 1);
    assert.equal(s.wasReset, true, 'the stream is abandoned');
    assert.equal(h.clock.pending, 0, 'no timer left');
    // A late answer on the abandoned stream goes nowhere; the connection serves the next request.
    s.send(ok('late'));
    h.user.write(get(MAC_A, '/next'));
    (await streamWith(h.a, 1, devGet(MAC_A, '/next'))).send(ok('next'));
    assert.equal((await h.user.response()).body, 'next');
  });

  it('the edge does not answer the ping either: 504 "Edge <id> did not answer within N+3 s", only after the grace', async () => {
    await start();
    h.a.pingMode = 'silent';
    h.user.write(get(MAC_A, '/hang'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/hang'));
    h.clock.advance(TIMEOUT_MS);
    await until(() => h.a.pings === 1, 'the ping');
    h.clock.advance(GRACE_MS - 1);
    await h.user.quiet(20);
    h.clock.advance(1);
    const r = await h.user.response();
    assert.equal(r.status, 504);
    assert.equal(r.body, o3c('Edge edge-0 did not answer within 5 s'));
    assert.equal(s.wasReset, true);
    assert.ok(h.logs.some((l) => l.includes('Edge edge-0 did not answer within 5 s')), 'the gateway logs the silent edge');
  });

  it('a ping that fails (link broken) counts as a silent edge', async () => {
    await start();
    h.a.pingMode = 'fail';
    h.user.write(get(MAC_A, '/hang'));
    await streamWith(h.a, 0, devGet(MAC_A, '/hang'));
    h.clock.advance(TIMEOUT_MS);
    assert.equal((await h.user.response()).body, o3c('Edge edge-0 did not answer within 5 s'));
  });

  it('an answer that starts in time is not cut by the timer however long its body takes', async () => {
    await start();
    h.user.write(get(MAC_A, '/slow'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/slow'));
    h.clock.advance(TIMEOUT_MS - 1);
    s.send('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc');
    await until(() => h.user.text.endsWith('abc'), 'the start');
    h.clock.advance(10 * TIMEOUT_MS);
    await sleep(20);
    s.send('def');
    assert.equal((await h.user.response()).body, 'abcdef');
    assert.equal(h.a.pings, 0);
  });

  it('request_timeout counts from the last request byte passed on (a slow upload is not cut)', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n`);
    const s = await streamWith(h.a, 0, 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n');
    for (const c of 'abc') {
      h.clock.advance(TIMEOUT_MS - 1);
      h.user.write(c);
      await until(() => s.text.endsWith(c), `byte ${c}`);
    }
    h.clock.advance(TIMEOUT_MS - 1);
    await h.user.quiet(20);
    assert.equal(h.a.pings, 0);
    h.clock.advance(1);
    assert.equal((await h.user.response()).status, 504);
  });
});

describe('ProxyConnection: what the proxy refuses itself', () => {
  it('an oversized head (no end within max_header_size): 431, then the connection closes', async () => {
    await start();
    h.user.write(`GET http://${MAC_A}/x HTTP/1.1\r\nX-Big: ${'x'.repeat(10_000)}`);
    const r = await h.user.response();
    assert.equal(r.status, 431);
    assert.equal(r.body, o3c('Request header too large'));
    assert.equal(r.headers.connection, 'close');
    await until(() => h.user.closed, 'the close');
    assert.equal(h.a.streams.length, 0);
  });

  it('a complete head larger than max_header_size: 431 too', async () => {
    await start();
    h.user.write(get(MAC_A, '/x', `X-Big: ${'x'.repeat(9000)}`));
    assert.equal((await h.user.response()).status, 431);
    await until(() => h.user.closed, 'the close');
  });

  it('CONNECT: 405, then the connection closes', async () => {
    await start();
    h.user.write(`CONNECT ${MAC_A}:443 HTTP/1.1\r\nHost: ${MAC_A}:443\r\n\r\n`);
    const r = await h.user.response();
    assert.equal(r.status, 405);
    assert.equal(r.body, o3c('Method CONNECT is not supported'));
    await until(() => h.user.closed, 'the close');
    assert.equal(h.routed.length, 0);
  });

  it('garbage: 400 "Malformed request", then the connection closes', async () => {
    await start();
    h.user.write('hello\r\n\r\n');
    const r = await h.user.response();
    assert.equal(r.status, 400);
    assert.equal(r.body, o3c('Malformed request'));
    await until(() => h.user.closed, 'the close');
    assert.equal(h.routed.length, 0);
  });

  it('a method O3C does not forward: 405, the connection stays usable', async () => {
    await start();
    h.user.write(`PROPFIND http://${MAC_A}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    const r = await h.user.response();
    assert.equal(r.status, 405);
    assert.equal(r.body, o3c('Method PROPFIND is not supported'));
    await sleep(20);
    assert.equal(h.user.closed, false);
  });

  it('a malformed chunked request body: 400 and close, the device stream reset', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const s = await streamWith(h.a, 0, 'POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    h.user.write('zz\r\n');
    const r = await h.user.response();
    assert.equal(r.status, 400);
    assert.match(r.body, /Malformed request body/);
    await until(() => h.user.closed, 'the close');
    assert.equal(s.wasReset, true);
  });

  it('user credentials: 407 with Proxy-Authenticate without them, through with them; Proxy-Authorization never reaches the device', async () => {
    await start({}, { user_credentials: 'user:pass' });
    h.user.write(get(MAC_A, '/x'));
    const r = await h.user.response();
    assert.equal(r.status, 407);
    assert.equal(r.headers['proxy-authenticate'], 'Basic realm="tether"');
    h.user.write(get(MAC_A, '/y', `Proxy-Authorization: Basic ${Buffer.from('user:pass').toString('base64')}`));
    (await streamWith(h.a, 0, devGet(MAC_A, '/y'))).send(ok('in'));
    assert.equal((await h.user.response()).body, 'in');
  });
});

describe('ProxyConnection: back-pressure', () => {
  it('device -> user: bytes are not acknowledged while the user is not reading; acknowledged once it reads', async () => {
    await start();
    h.user.write(get(MAC_A, '/big'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/big'));
    h.user.socket.pause();
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const total = 64 * chunk.length;
    const head = `HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`;
    s.send(head);
    let fed = head.length;
    for (let i = 0; i < 64; i++) {
      s.send(chunk);
      fed += chunk.length;
      await sleep(1);
    }
    await sleep(50);
    const held = h.serverSocket.writableLength;
    assert.ok(held > 0, 'the user connection is backed up');
    assert.ok(s.acked <= fed - held, `acked ${s.acked} of ${fed} while ${held} bytes wait for the user`);
    h.user.socket.resume();
    await until(() => h.user.received === fed, 'the user read everything', 10_000);
    await until(() => s.acked === fed, `all acknowledged (acked ${s.acked} of ${fed})`);
  });

  it('user -> device: a full stream window stops reading the user until the stream drains', async () => {
    await start();
    const body = Buffer.alloc(4 << 20, 0x62);
    const head = `POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`;
    h.user.write(head);
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    s.writeResult = false;
    h.user.write(body);
    await until(() => s.bytes > s.written[0].length, 'some body');
    await sleep(50);
    const stuck = s.bytes;
    await sleep(50);
    assert.equal(s.bytes, stuck, 'nothing more while the window is full');
    assert.ok(stuck < s.written[0].length + body.length, 'the body is held back');
    s.writeResult = true;
    s.onDrain?.();
    await until(() => s.bytes === s.written[0].length + body.length, 'the whole body once drained', 10_000);
  });
});

// Each of these failed on 5c85e7a (the rewrite) and passes since 49bed08, which fixed what they found.
describe('ProxyConnection: regressions (bugs of the rewrite, fixed)', () => {
  it('a user that half-closes right after its request (before the route lookup answered) still gets the answer', async () => {
    await start();
    let resolve!: (r: PresenceRecord | null) => void;
    h.route = () => new Promise((r) => (resolve = r));
    h.user.write(get(MAC_A, '/x'));
    h.user.socket.end();
    await until(() => resolve !== undefined, 'the lookup');
    await sleep(30);
    resolve(h.record(MAC_A));
    (await streamWith(h.a, 0, devGet(MAC_A, '/x'), 1000)).send(ok('answer'));
    const r = await h.user.response();
    assert.equal(r.body, 'answer');
  });

  it('a user that half-closes mid-body frees the device: the stream is reset, the connection closed (aborts e2e under load)', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789`);
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789`);
    h.user.socket.end(); // what a reset that reached the gateway as an end looks like
    await until(() => s.wasReset, 'the stream reset');
    await until(() => h.user.closed, 'the connection closed');
    assert.equal(h.ledger.current(), 0, 'the request is over');
    assert.ok(h.logs.some((l) => l.includes('request body cut short by the user')));
  });

  it('a body that is whole when the FIN comes is sent and answered as usual', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd`);
    h.user.socket.end();
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd`);
    s.send(ok('stored'));
    assert.equal((await h.user.response()).body, 'stored');
    assert.equal(s.wasReset, false);
  });

  it('a user that pipelines requests for two devices and half-closes gets both answers', async () => {
    await start();
    h.user.write(get(MAC_A, '/a') + get(MAC_B, '/b'));
    h.user.socket.end();
    const sa = await streamWith(h.a, 0, devGet(MAC_A, '/a'));
    await sleep(20);
    sa.send(ok('A'));
    assert.equal((await h.user.response()).body, 'A');
    (await streamWith(h.b, 0, devGet(MAC_B, '/b'), 1000)).send(ok('B'));
    assert.equal((await h.user.response()).body, 'B');
  });

  it('a presence store failure answers 502 and the request pipelined behind it is still served', async () => {
    await start();
    h.route = (mac) => (mac === MAC_A ? Promise.reject(new Error('redis down')) : Promise.resolve(h.record(mac)));
    h.user.write(get(MAC_A, '/a') + get(MAC_B, '/b'));
    const r = await h.user.response();
    assert.equal(r.status, 502);
    assert.equal(r.body, o3c('Presence store unreachable'));
    (await streamWith(h.b, 0, devGet(MAC_B, '/b'), 1000)).send(ok('B'));
    assert.equal((await h.user.response()).body, 'B');
  });

  it('a malformed response head arriving in two pieces: a clean 502, no piece of it before', async () => {
    await start();
    h.user.write(get(MAC_A, '/bad'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/bad'));
    s.send('HTTP/1.1 200 OK\r\nContent-Length: ');
    await sleep(20);
    s.send('lots\r\n\r\n');
    await until(() => h.responses.length === 1, 'an answer');
    await sleep(20);
    assert.ok(h.user.text.startsWith('HTTP/1.1 502 Bad Gateway\r\n'), `the user got ${JSON.stringify(h.user.text.slice(0, 80))}`);
  });

  it('after an oversized response head (502) the connection serves the next request normally', async () => {
    await start();
    h.user.write(get(MAC_A, '/huge'));
    const s1 = await streamWith(h.a, 0, devGet(MAC_A, '/huge'));
    s1.send('HTTP/1.1 201 Created\r\n');
    for (let i = 0; i < 5; i++) s1.send(`X-Filler-${i}: ${'f'.repeat(16 * 1024)}\r\n`);
    const bad = await h.user.response();
    assert.equal(bad.status, 502);
    assert.equal(bad.body, o3c('Device sent a malformed response'));
    h.user.write(get(MAC_A, '/next'));
    (await streamWith(h.a, 1, devGet(MAC_A, '/next'))).send(ok('next'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'next');
    assert.deepEqual(h.responses, [502, 200]);
  });

  it('a response nobody asked for (the device speaks on an idle stream) is not answered to the user as a 502', async () => {
    await start();
    h.user.write(get(MAC_A, '/1'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1'));
    s.send(ok('one'));
    assert.equal((await h.user.response()).body, 'one');
    s.send('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    await sleep(30);
    assert.equal(s.wasReset, true, 'the stream is dropped');
    await h.user.quiet(20);
    assert.deepEqual(h.responses, [200]);
  });

  it('a device that sends 100 Continue and then nothing still gets request_timeout (504)', async () => {
    await start();
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
    const s = await streamWith(h.a, 0, `POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
    s.send('HTTP/1.1 100 Continue\r\n\r\n');
    await h.user.take(25);
    h.user.write('data');
    await until(() => s.text.endsWith('data'), 'the body');
    h.clock.advance(TIMEOUT_MS + GRACE_MS);
    await until(() => h.responses.length === 1, 'a 504', 500);
    assert.equal((await h.user.response()).status, 504);
  });
});

describe('ProxyConnection: bugs found', () => {
  it('a whole answer whose head began in an earlier chunk, followed in the same chunk by a malformed one: the answer, then 502', async () => {
    await start();
    h.user.write(get(MAC_A, '/1') + get(MAC_A, '/2'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1') + devGet(MAC_A, '/2'));
    s.send('HTTP/1.1 200 OK\r\nContent-');
    await sleep(20);
    s.send('Length: 3\r\n\r\noneHTP/1.1 what\r\n\r\n');
    const first = await h.user.response();
    assert.equal(first.status, 200);
    assert.equal(first.body, 'one');
    const second = await h.user.response();
    assert.equal(second.status, 502);
    assert.equal(second.body, o3c('Device sent a malformed response'));
  });
});

describe('ProxyConnection: pluggable resolution', () => {
  const plan = (mac: string, path: string) => ({ mac, path, url: `http://${mac}${path}`, credentials: null, stripAuth: false });

  it('an async resolver: nothing behind a request is read until it is resolved; pipelined answers stay in order', async () => {
    const pending: Array<() => void> = [];
    const seen: string[] = [];
    await start({
      resolve: (info) => {
        seen.push(info.target);
        return new Promise((r) => pending.push(() => r(plan(MAC_A, info.target))));
      },
    });
    h.user.write(['GET /one HTTP/1.1', 'Host: x', '', ''].join('\r\n') + ['GET /two HTTP/1.1', 'Host: x', '', ''].join('\r\n'));
    await until(() => pending.length === 1, 'the first resolution');
    await sleep(20);
    assert.deepEqual(seen, ['/one'], 'the second head waits for the first resolution');
    assert.equal(h.a.streams.length, 0);
    pending[0]();
    await until(() => pending.length === 2, 'the second resolution');
    pending[1]();
    const s = await streamWith(h.a, 0, 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n');
    s.send(ok('1') + ok('2'));
    assert.equal((await h.user.response()).body, '1');
    assert.equal((await h.user.response()).body, '2');
  });

  it('a request resolved for another device waits for the previous device; a rejection is answered in order, after it', async () => {
    await start({
      resolve: async (info) => {
        if (info.target === '/refused') throw new RequestRefusal(403, 'Not for you', false);
        return plan(info.target === '/b' ? MAC_B : MAC_A, info.target);
      },
    });
    h.user.write(['GET /a HTTP/1.1', 'Host: x', '', ''].join('\r\n') + ['GET /refused HTTP/1.1', 'Host: x', '', ''].join('\r\n') + ['GET /b HTTP/1.1', 'Host: x', '', ''].join('\r\n'));
    const sa = await streamWith(h.a, 0, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(20);
    assert.equal(h.user.received, 0, 'the refusal waits for the answer before it');
    sa.send(ok('A'));
    assert.equal((await h.user.response()).body, 'A');
    const refused = await h.user.response();
    assert.equal(refused.status, 403);
    assert.equal(refused.body, o3c('Not for you'));
    const sb = await streamWith(h.b, 0, 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    sb.send(ok('B'));
    assert.equal((await h.user.response()).body, 'B');
    assert.deepEqual(h.responses, [200, 403, 200]);
  });

  it('a resolver that fails with something other than a refusal: 502, logged, and the connection stays usable', async () => {
    let fail = true;
    await start({
      resolve: (info) => {
        if (fail) throw new Error('store down');
        return plan(MAC_A, info.target);
      },
    });
    h.user.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = await h.user.response();
    assert.equal(r.status, 502);
    assert.equal(r.body, o3c('Request resolution failed'));
    assert.ok(h.logs.some((l) => l.includes('request resolution failed: store down')));
    fail = false;
    h.user.write('GET /y HTTP/1.1\r\nHost: x\r\n\r\n');
    (await streamWith(h.a, 0, 'GET /y HTTP/1.1\r\nHost: x\r\n\r\n')).send(ok('y'));
    assert.equal((await h.user.response()).body, 'y');
  });

  it('a refusal of a request with a body closes the connection (the body is not read)', async () => {
    await start({ resolve: () => Promise.reject(new RequestRefusal(403, 'Not for you', false)) });
    h.user.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    const r = await h.user.response();
    assert.equal(r.status, 403);
    assert.equal(r.headers.connection, 'close');
    await until(() => h.user.closed, 'the close');
  });

  it('the device gets the path of the plan, not the URL the user sent', async () => {
    await start({ resolve: () => plan(MAC_B, '/axis-cgi/param.cgi?action=list') });
    h.user.write('GET /o3c-shortcut/s/t HTTP/1.1\r\nHost: gw\r\n\r\n');
    (await streamWith(h.b, 0, 'GET /axis-cgi/param.cgi?action=list HTTP/1.1\r\nHost: gw\r\n\r\n')).send(ok('p'));
    assert.equal((await h.user.response()).body, 'p');
  });

  it('credentials are read from the live configuration per request and replace the user\'s Authorization (mode 1: Basic)', async () => {
    await start({}, { credentials: 'root:one' });
    h.mode = 1;
    const basic = (s: string) => `Authorization: Basic ${Buffer.from(s).toString('base64')}`;
    h.user.write(get(MAC_A, '/1', basic('user:mine')));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1', basic('root:one')));
    s.send(ok('1'));
    await h.user.response();
    h.config.credentials = 'root:two';
    h.user.write(get(MAC_A, '/2'));
    await streamWith(h.a, 0, devGet(MAC_A, '/1', basic('root:one')) + devGet(MAC_A, '/2', basic('root:two')));
  });

  it('X-No-Internal-Authentication: 1 as a header or a cookie removes every Authorization and adds none; the header never reaches the device', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/h', 'Authorization: Basic eDp5', 'X-No-Internal-Authentication: 1', 'authorization: Digest x'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/h'));
    s.send(ok('h'));
    await h.user.response();
    h.user.write(get(MAC_A, '/c', 'Cookie: a=b; X-No-Internal-Authentication=1', 'Authorization: Basic eDp5'));
    await streamWith(h.a, 0, devGet(MAC_A, '/h') + devGet(MAC_A, '/c', 'Cookie: a=b; X-No-Internal-Authentication=1'));
  });

  it('without credentials the user\'s own Authorization passes untouched', async () => {
    await start();
    h.user.write(get(MAC_A, '/u', 'Authorization: Basic eDp5'));
    await streamWith(h.a, 0, devGet(MAC_A, '/u', 'Authorization: Basic eDp5'));
  });

  it('request_timeout is read per request (a live key)', async () => {
    let timeoutMs = TIMEOUT_MS;
    await start({ requestTimeoutMs: () => timeoutMs });
    timeoutMs = 500;
    h.user.write(get(MAC_A, '/slow'));
    await streamWith(h.a, 0, devGet(MAC_A, '/slow'));
    h.clock.advance(500);
    const r = await h.user.response();
    assert.equal(r.status, 504);
    assert.equal(r.body, o3c(`Device ${MAC_A} did not answer within 0.5 s`));
  });
});

describe('ProxyConnection: internal authentication', () => {
  const CHALLENGE = 'Digest realm="AXIS_X", nonce="n1", algorithm=MD5, qop="auth"';
  const unauthorized = (...challenges: string[]) =>
    ['HTTP/1.1 401 Unauthorized', ...challenges.map((c) => `WWW-Authenticate: ${c}`), 'Content-Length: 13', '', 'Unauthorized\n'].join('\r\n');
  const probeAnswer = (...challenges: string[]) =>
    ['HTTP/1.1 401 Unauthorized', ...challenges.map((c) => `WWW-Authenticate: ${c}`), 'Content-Length: 13', '', ''].join('\r\n');
  const probe = (mac: string, path: string) => `HEAD ${path} HTTP/1.1\r\nHost: ${mac}\r\n\r\n`;
  const digestLine = (method: string, uri: string, nonce: string, nc: number) => {
    const challenge = parseChallenges([CHALLENGE.replace('n1', nonce)]).digest as DigestChallenge;
    return `Authorization: ${digestAuthorization(challenge, { user: 'root', pass: 'pass' }, method, uri, nc, 'c0ffee')}`;
  };
  const basicLine = `Authorization: Basic ${Buffer.from('root:pass').toString('base64')}`;

  it('mode 0, nothing cached: a HEAD probe first, its 401 never reaches the user, then the request with Digest; the next one uses the cache (nc 2)', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/p', 'Authorization: Basic dXNlcjp4'));
    const s = await streamWith(h.a, 0, probe(MAC_A, '/p'));
    s.send(probeAnswer(CHALLENGE, 'Basic realm="AXIS_X"'));
    await streamWith(h.a, 0, probe(MAC_A, '/p') + devGet(MAC_A, '/p', digestLine('GET', '/p', 'n1', 1)));
    s.send(ok('one'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'one');
    h.user.write(get(MAC_A, '/q'));
    await streamWith(h.a, 0, probe(MAC_A, '/p') + devGet(MAC_A, '/p', digestLine('GET', '/p', 'n1', 1)) + devGet(MAC_A, '/q', digestLine('GET', '/q', 'n1', 2)));
    s.send(ok('two'));
    assert.equal((await h.user.response()).body, 'two');
    await h.user.quiet();
    assert.deepEqual(h.responses, [200, 200], 'the probe is not a response');
    assert.equal(s.acked, s.sink === undefined ? 0 : Buffer.byteLength(probeAnswer(CHALLENGE, 'Basic realm="AXIS_X"')) + Buffer.byteLength(ok('one') + ok('two')));
    const t = h.ledger.totals();
    assert.deepEqual([t.requests, t.responses, t.tx], [2, 2, Buffer.byteLength(ok('one') + ok('two'))]);
    assert.equal(h.ledger.current(), 0);
  });

  it('a POST waits for the probe answer (its body is not read), then goes with Digest and its body', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(`POST http://${MAC_A}/up HTTP/1.1\r\nHost: ${MAC_A}\r\nContent-Length: 4\r\n\r\nbody`);
    const s = await streamWith(h.a, 0, probe(MAC_A, '/up'));
    await sleep(20);
    assert.equal(s.text, probe(MAC_A, '/up'), 'nothing of the POST before the challenge');
    // the probe answer in pieces, the head split
    const answer = probeAnswer(CHALLENGE);
    s.send(answer.slice(0, 20), answer.slice(20));
    const head = `POST /up HTTP/1.1\r\nHost: ${MAC_A}\r\nContent-Length: 4\r\n${digestLine('POST', '/up', 'n1', 1)}\r\n\r\n`;
    await streamWith(h.a, 0, probe(MAC_A, '/up') + head + 'body');
    s.send(ok('stored'));
    const r = await h.user.response();
    assert.equal(r.body, 'stored');
    assert.equal(h.ledger.totals().rx, 4);
  });

  it('mode 0: a device that offers only Basic gets Basic (decided once per device)', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/1'));
    const s = await streamWith(h.a, 0, probe(MAC_A, '/1'));
    s.send(probeAnswer('Basic realm="AXIS_X"'));
    await streamWith(h.a, 0, probe(MAC_A, '/1') + devGet(MAC_A, '/1', basicLine));
    s.send(ok('1'));
    await h.user.response();
    h.user.write(get(MAC_A, '/2'));
    await streamWith(h.a, 0, probe(MAC_A, '/1') + devGet(MAC_A, '/1', basicLine) + devGet(MAC_A, '/2', basicLine));
  });

  it('mode 0: a probe answered 200 (no authentication asked) also means Basic', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/open'));
    const s = await streamWith(h.a, 0, probe(MAC_A, '/open'));
    s.send('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    await streamWith(h.a, 0, probe(MAC_A, '/open') + devGet(MAC_A, '/open', basicLine));
    s.send(ok('hello'));
    assert.equal((await h.user.response()).body, 'hello');
  });

  it('mode 2 against a Basic-only device: no Basic is ever sent; the user gets the device\'s 401', async () => {
    await start({}, { credentials: 'root:pass' });
    h.mode = 2;
    h.user.write(get(MAC_A, '/x'));
    const s = await streamWith(h.a, 0, probe(MAC_A, '/x'));
    s.send(probeAnswer('Basic realm="AXIS_X"'));
    await streamWith(h.a, 0, probe(MAC_A, '/x') + devGet(MAC_A, '/x'));
    s.send(unauthorized('Basic realm="AXIS_X"'));
    const r = await h.user.response();
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="AXIS_X"');
  });

  it('mode 1: Basic at once, no probe', async () => {
    await start({}, { credentials: 'root:pass' });
    h.mode = 1;
    h.user.write(get(MAC_A, '/b'));
    await streamWith(h.a, 0, devGet(MAC_A, '/b', basicLine));
  });

  it('a stale nonce: the 401 (head and body) is swallowed and a GET resent once with the new challenge', async () => {
    await start({}, { credentials: 'root:pass' });
    h.auth.cache.setDigest(MAC_A, parseChallenges([CHALLENGE]).digest as DigestChallenge);
    h.user.write(get(MAC_A, '/s'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/s', digestLine('GET', '/s', 'n1', 1)));
    const stale = unauthorized(CHALLENGE.replace('n1', 'n2') + ', stale=true', 'Basic realm="AXIS_X"');
    s.send(stale.slice(0, 50), stale.slice(50, stale.length - 3), stale.slice(stale.length - 3));
    await streamWith(h.a, 0, devGet(MAC_A, '/s', digestLine('GET', '/s', 'n1', 1)) + devGet(MAC_A, '/s', digestLine('GET', '/s', 'n2', 1)));
    s.send(ok('fresh'));
    const r = await h.user.response();
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fresh');
    await h.user.quiet();
    assert.equal(h.user.text, ok('fresh'), 'nothing of the 401 reached the user');
    assert.deepEqual(h.responses, [200]);
    assert.equal(h.ledger.current(), 0);
  });

  it('a stale nonce on a POST with a body: the 401 goes to the user, the cache learns the new nonce', async () => {
    await start({}, { credentials: 'root:pass' });
    h.auth.cache.setDigest(MAC_A, parseChallenges([CHALLENGE]).digest as DigestChallenge);
    h.user.write(`POST http://${MAC_A}/w HTTP/1.1\r\nHost: ${MAC_A}\r\nContent-Length: 1\r\n\r\nx`);
    const s = await streamWith(h.a, 0, `POST /w HTTP/1.1\r\nHost: ${MAC_A}\r\nContent-Length: 1\r\n${digestLine('POST', '/w', 'n1', 1)}\r\n\r\nx`);
    s.send(unauthorized(CHALLENGE.replace('n1', 'n3') + ', stale=true'));
    assert.equal((await h.user.response()).status, 401);
    h.user.write(get(MAC_A, '/after'));
    await until(() => s.text.endsWith(devGet(MAC_A, '/after', digestLine('GET', '/after', 'n3', 1))), 'the next request with the new nonce');
  });

  it('wrong credentials: a 401 with the nonce the request used goes to the user (no retry)', async () => {
    await start({}, { credentials: 'root:pass' });
    h.auth.cache.setDigest(MAC_A, parseChallenges([CHALLENGE]).digest as DigestChallenge);
    h.user.write(get(MAC_A, '/w'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/w', digestLine('GET', '/w', 'n1', 1)));
    s.send(unauthorized(CHALLENGE));
    const r = await h.user.response();
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized\n');
    await sleep(20);
    assert.equal(s.text, devGet(MAC_A, '/w', digestLine('GET', '/w', 'n1', 1)), 'sent once');
  });

  it('a probe the device does not answer (it closes) fails the user\'s request in the O3C form; the ledger forgets it', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/gone'));
    const s = await streamWith(h.a, 0, probe(MAC_A, '/gone'));
    h.devices.delete(MAC_A); // the resend finds it gone
    s.sink.fail(new TunnelError('device-error', 'Device closed the connection'));
    const r = await h.user.response();
    assert.equal(r.status, 404);
    assert.equal(h.ledger.current(), 0);
    assert.deepEqual([h.ledger.totals().requests, h.ledger.totals().responses], [1, 1]);
  });

  it('X-No-Internal-Authentication: no probe, no Authorization', async () => {
    await start({}, { credentials: 'root:pass' });
    h.user.write(get(MAC_A, '/free', 'Cookie: X-No-Internal-Authentication=1', 'Authorization: Basic eDp5'));
    await streamWith(h.a, 0, devGet(MAC_A, '/free', 'Cookie: X-No-Internal-Authentication=1'));
  });
});

describe('ProxyConnection: the request ledger', () => {
  it('pipelined answers in one chunk are counted per request; a request is ongoing from its resolution to its answer', async () => {
    await start();
    h.user.write(get(MAC_A, '/1') + get(MAC_A, '/2'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/1') + devGet(MAC_A, '/2'));
    assert.equal(h.ledger.current(), 2);
    const snap = h.ledger.snapshot();
    assert.deepEqual(snap.map((e) => [e.mac, e.url, e.srcaddr]), [
      [MAC_A, `http://${MAC_A}/1`, `127.0.0.1:${h.user.socket.localPort}`],
      [MAC_A, `http://${MAC_A}/2`, `127.0.0.1:${h.user.socket.localPort}`],
    ]);
    const a = ok('first');
    const b = ok('second-longer');
    s.send(a + b.slice(0, -3));
    await until(() => h.ledger.current() === 1, 'the first answer complete');
    assert.equal(h.ledger.snapshot()[0].tx, b.length - 3, 'the part of the second answer passed on so far');
    s.send(b.slice(-3));
    await until(() => h.ledger.current() === 0, 'the second answer complete');
    assert.deepEqual(h.ledger.totals(), { requests: 2, responses: 2, rx: 0, tx: a.length + b.length });
    assert.equal(h.bytes.out, a.length + b.length);
  });

  it('request body bytes count as received; a closing head rewritten for the user counts as sent', async () => {
    await start();
    const head = `POST http://${MAC_A}/u HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 6\r\n\r\n`;
    h.user.write(head + 'ab');
    const s = await streamWith(h.a, 0, `POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nab`);
    h.user.write('cdef');
    await until(() => s.text.endsWith('abcdef'), 'the body');
    assert.equal(h.ledger.snapshot()[0].rx, 6);
    s.send(ok('done', 'Connection: keep-alive'));
    await until(() => h.user.closed, 'the close');
    assert.equal(h.ledger.totals().tx, h.user.received);
    assert.equal(h.ledger.totals().rx, 6);
    assert.equal(h.bytes.in, head.length + 6, 'the proxy counts every byte the user sent, its head included');
  });

  it('the proxy\'s own answers end their requests (404, timeout); refusals before resolution are not requests', async () => {
    await start();
    h.user.write(get(UNKNOWN, '/x'));
    const r = await h.user.response();
    assert.equal(r.status, 404);
    h.user.write(`GET http://nomac/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal((await h.user.response()).status, 400);
    h.user.write(get(MAC_A, '/slow'));
    await streamWith(h.a, 0, devGet(MAC_A, '/slow'));
    assert.equal(h.ledger.current(), 1);
    h.clock.advance(TIMEOUT_MS);
    assert.equal((await h.user.response()).status, 504);
    const t = h.ledger.totals();
    assert.deepEqual([t.requests, t.responses, h.ledger.current()], [2, 2, 0]);
    assert.ok(t.tx > 0);
  });

  it('many pipelined, queued (another device) and abandoned requests leave nothing behind', async () => {
    for (let round = 0; round < 5; round++) {
      await start();
      // A answers slowly; B waits behind it (queued: ongoing); the user goes away mid-answer.
      h.user.write(get(MAC_A, '/1') + get(MAC_A, '/2') + get(MAC_B, '/3') + get(MAC_A, '/4'));
      const s = await streamWith(h.a, 0, devGet(MAC_A, '/1') + devGet(MAC_A, '/2'));
      await until(() => h.ledger.current() === 3, 'A twice and the queued B');
      if (round % 2) s.send(ok('x') + 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      await sleep(5);
      h.user.socket.resetAndDestroy();
      await until(() => h.ledger.current() === 0, `round ${round}: nothing ongoing`);
      h.close();
    }
  });

  it('a request that became a tunnel (101) is ongoing until the connection ends, and counts its bytes', async () => {
    await start();
    h.user.write(get(MAC_A, '/ws', 'Connection: Upgrade', 'Upgrade: websocket'));
    const s = await streamWith(h.a, 0, devGet(MAC_A, '/ws', 'Upgrade: websocket', 'Connection: Upgrade'));
    const up = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    s.send(up, 'hello');
    await until(() => h.user.received === up.length + 5, 'the upgrade and data');
    h.user.write('ping');
    await until(() => s.text.endsWith('ping'), 'user data');
    assert.equal(h.ledger.current(), 1);
    assert.deepEqual([h.ledger.snapshot()[0].tx, h.ledger.snapshot()[0].rx], [up.length + 5, 4]);
    s.sink.end();
    await until(() => h.ledger.current() === 0, 'the end of the tunnel');
    assert.equal(h.ledger.totals().responses, 1);
  });

  it('a debug line per request, only at debug level', async () => {
    await start({ log: new Logger({ level: 4, sinks: [(line) => h.logs.push(line)] }) });
    h.user.write(get(MAC_A, '/dbg'));
    await streamWith(h.a, 0, devGet(MAC_A, '/dbg'));
    const id = h.ledger.snapshot()[0].id;
    assert.ok(h.logs.some((l) => l.includes(`[user ${id}@127.0.0.1:`) && l.includes(`Request URL: http://${MAC_A}/dbg`)), h.logs.join('\n'));
  });
});

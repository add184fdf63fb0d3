import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const BLOCK = Buffer.alloc(1 << 20);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = (i * 31 + 7) & 0xff;

/** Body size of `/slow/MS`: its content is patternBytes(SLOW_BYTES). */
export const SLOW_BYTES = 10_000;

/** The deterministic content of `/bytes/N`: tests compare against this byte for byte. */
export function patternBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let off = 0; off < n; off += BLOCK.length) BLOCK.copy(out, off, 0, Math.min(BLOCK.length, n - off));
  return out;
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * A plain local HTTP server standing in for a device's web server (`--target`):
 * - GET /bytes/N          N pattern bytes with Content-Length (HEAD: headers only)
 * - GET /chunked/N        the same, chunked
 * - POST|PUT|PATCH /echo  the request body back, streamed
 * - POST|PUT /sha256      `<bytes> <sha256>` of the body
 * - GET /hang             never answers
 * - GET /drop             headers and 64 KiB of a longer body, then the connection is cut
 * - GET /stream/N         N pattern bytes written only as fast as the reader takes them (`streamed` counts them)
 * - GET /slow/MS          /bytes/10000 trickled in ten pieces over MS ms (a request that stays in flight)
 * - GET /headers          the request head as JSON
 * - GET /whoami           `<label> <path>` (to tell which device answered which request)
 * - GET /malformed        a response whose status line is not HTTP; the connection stays open
 * - GET /interim          100 Continue (unasked), then 200 `after 100`
 * - any Upgrade request   101 Switching Protocols, then every byte echoed back
 * - anything else         200 `<METHOD> <path>`
 * `connections` counts the TCP connections accepted (each is one device channel behind an agent).
 */
export class OriginServer {
  readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  requests = 0;
  /** Bytes of /stream/N the network has accepted so far (the back-pressure probe). */
  streamed = 0;
  /** TCP connections accepted so far. */
  connections = 0;

  constructor(readonly label = 'origin') {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      this.requests++;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`);
      if (head.length) socket.write(head);
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
  }

  static async start(opts: { label?: string } = {}): Promise<OriginServer> {
    const o = new OriginServer(opts.label);
    await new Promise<void>((r) => o.server.listen(0, '127.0.0.1', () => r()));
    return o;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    const url = new URL(req.url ?? '/', 'http://origin');
    const sized = /^\/(bytes|chunked)\/(\d+)$/.exec(url.pathname);
    if (sized) {
      const body = patternBytes(Number(sized[2]));
      if (sized[1] === 'bytes') res.setHeader('Content-Length', body.length);
      res.setHeader('Content-Type', 'application/octet-stream');
      if (req.method === 'HEAD') return void res.end();
      return void res.end(body);
    }
    const stream = /^\/stream\/(\d+)$/.exec(url.pathname);
    if (stream) return this.stream(res, Number(stream[1]));
    const slow = /^\/slow\/(\d+)$/.exec(url.pathname);
    if (slow) return this.slow(res, Number(slow[1]));
    switch (url.pathname) {
      case '/echo':
        res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' });
        req.pipe(res);
        return;
      case '/sha256': {
        const h = createHash('sha256');
        let n = 0;
        req.on('data', (c: Buffer) => {
          n += c.length;
          h.update(c);
        });
        req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
        return;
      }
      case '/hang':
        return;
      case '/drop':
        res.writeHead(200, { 'Content-Length': 10 * 1024 * 1024 });
        res.write(patternBytes(64 * 1024), () => setTimeout(() => req.socket.destroy(), 100));
        return;
      case '/headers':
        res.setHeader('Content-Type', 'application/json');
        return void res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.rawHeaders }));
      case '/whoami':
        return void res.end(`${this.label} ${req.url}`);
      case '/malformed':
        req.socket.write('HTTP/1.1 OK 200\r\nContent-Length: 2\r\n\r\nok');
        return;
      case '/interim':
        res.writeContinue();
        return void setTimeout(() => res.end('after 100'), 20);
      default:
        req.resume();
        res.end(`${req.method} ${req.url}`);
    }
  }

  private stream(res: http.ServerResponse, total: number): void {
    res.writeHead(200, { 'Content-Length': total, 'Content-Type': 'application/octet-stream' });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = Math.min(BLOCK.length, total - sent);
        sent += n;
        this.streamed += n;
        if (!res.write(BLOCK.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = total));
    pump();
  }

  private slow(res: http.ServerResponse, ms: number): void {
    const body = patternBytes(SLOW_BYTES);
    const piece = SLOW_BYTES / 10;
    res.writeHead(200, { 'Content-Length': body.length, 'Content-Type': 'application/octet-stream' });
    let i = 0;
    const t = setInterval(() => {
      res.write(body.subarray(i * piece, (i + 1) * piece));
      if (++i === 10) {
        clearInterval(t);
        res.end();
      }
    }, ms / 10);
    res.on('close', () => clearInterval(t));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

// The Node fallback origin of `npm run bench`, run as its own process (never in the bench's event loop):
//   node dist/test/bench/origin-server.js
// Listens on a free port of 127.0.0.1, prints `{"port":N}` on stdout, serves
//   GET|HEAD /bytes/N   N bytes with Content-Length (large bodies streamed in 1 MiB writes with backpressure)
//   PUT|POST /discard   reads the request body and throws it away; answers `{"bytes":N}` once it has ended
//   anything else       200 `ok`
// and exits when its parent goes away (stdin closes) or on SIGTERM.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const BLOCK = Buffer.alloc(1 << 20);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = (i * 31 + 7) & 0xff;
const MAX = 4 * 2 ** 30;

const sockets = new Set<Socket>();
const server = http.createServer((req, res) => {
  if ((req.method === 'PUT' || req.method === 'POST') && req.url === '/discard') {
    let bytes = 0;
    req.on('data', (b: Buffer) => (bytes += b.length));
    req.on('end', () => res.end(JSON.stringify({ bytes }) + '\n'));
    return;
  }
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (!m || Number(m[1]) > MAX) {
    req.resume();
    res.end('ok\n');
    return;
  }
  const n = Number(m[1]);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n });
  if (req.method === 'HEAD') return void res.end();
  if (n <= BLOCK.length) return void res.end(BLOCK.subarray(0, n));
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const chunk = BLOCK.subarray(0, Math.min(BLOCK.length, left));
      left -= chunk.length;
      if (left === 0) return void res.end(chunk);
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  res.on('close', () => (left = 0));
  pump();
});
server.keepAliveTimeout = 30_000;
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});

function shutdown(): void {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});

import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  remotePort: number;
}

export interface Reply {
  status: number;
  location?: string;
  /** Never answer (the sender's timeout must fire). */
  hang?: boolean;
}

/** A notification receiver for specs: records every request and answers with `reply` (default 200). */
export class TestReceiver {
  readonly received: Received[] = [];
  reply: (r: Received) => Reply = () => ({ status: 200 });
  private readonly hung = new Set<http.ServerResponse>();

  private constructor(private readonly server: http.Server) {}

  static async start(tls?: { pem: string }): Promise<TestReceiver> {
    const server = tls ? https.createServer({ cert: tls.pem, key: tls.pem }) : http.createServer();
    const r = new TestReceiver(server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const got: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, remotePort: req.socket.remotePort ?? 0 };
      r.received.push(got);
      req.resume();
      const reply = r.reply(got);
      if (reply.hang) {
        r.hung.add(res);
        return;
      }
      const headers: Record<string, string> = reply.status === 204 ? {} : { 'Content-Length': '0' };
      if (reply.location) headers.Location = reply.location;
      res.writeHead(reply.status, headers);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(scheme = 'http', path = '/notify'): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  /** Waits (real time, bounded) until `count` requests arrived. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`receiver got ${this.received.length} requests, expected ${count}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

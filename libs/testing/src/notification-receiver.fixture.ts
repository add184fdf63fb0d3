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

/**
 * A notification receiver (O3C section 6) for specs and e2e: records every request and answers with `reply`
 * (default 200). `stop()` closes the port (a receiver that is down); `start()` opens the same port again.
 */
export class TestReceiver {
  readonly received: Received[] = [];
  reply: (r: Received) => Reply = () => ({ status: 200 });
  private readonly hung = new Set<http.ServerResponse>();
  private server?: http.Server;
  private boundPort = 0;

  private constructor(private readonly tls?: { pem: string }) {}

  /** Listens on loopback, on `port` (0: a free one). */
  static async start(tls?: { pem: string }, port = 0): Promise<TestReceiver> {
    const r = new TestReceiver(tls);
    await r.listen(port);
    return r;
  }

  /** Opens the receiver's port again after stop(). */
  async restart(): Promise<void> {
    if (!this.server) await this.listen(this.boundPort);
  }

  /** Closes the port and every connection: senders see the receiver down. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get port(): number {
    return this.boundPort;
  }

  url(scheme = 'http', path = '/notify'): string {
    return `${scheme}://127.0.0.1:${this.port}${path}`;
  }

  /** Waits (real time, bounded) until `count` requests arrived. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Received[]> {
    return this.waitUntil((all) => all.length >= count, timeoutMs, `${count} requests`);
  }

  /** Waits (real time, bounded) until `done(received)` holds. */
  async waitUntil(done: (all: Received[]) => boolean, timeoutMs = 5000, what = 'condition'): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > until) throw new Error(`receiver: no ${what} within ${timeoutMs} ms (got ${this.received.length} requests)`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.received;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private async listen(port: number): Promise<void> {
    const server = this.tls ? https.createServer({ cert: this.tls.pem, key: this.tls.pem }) : http.createServer();
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const got: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, remotePort: req.socket.remotePort ?? 0 };
      this.received.push(got);
      req.resume();
      const reply = this.reply(got);
      if (reply.hang) {
        this.hung.add(res);
        return;
      }
      const headers: Record<string, string> = reply.status === 204 ? {} : { 'Content-Length': '0' };
      if (reply.location) headers.Location = reply.location;
      res.writeHead(reply.status, headers);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }
}

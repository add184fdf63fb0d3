import * as net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One raw TCP connection to an HTTP server, for what a well-behaved client cannot send (origin-form
 * requests to a proxy, garbage, CONNECT, oversized heads) and to prove which connection carried what.
 * Responses are read by Content-Length (or until close); every wait is bounded.
 */
export class RawHttpConnection {
  private buf = Buffer.alloc(0);
  private closedFlag = false;
  private wakeup?: () => void;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.wakeup?.();
    });
    socket.on('error', () => undefined); // a reset is a close for our purposes
    socket.on('close', () => {
      this.closedFlag = true;
      this.wakeup?.();
    });
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      const t = setTimeout(() => s.destroy(new Error(`connect to ${host}:${port} timed out`)), timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new RawHttpConnection(s));
      });
      s.once('error', (err) => {
        clearTimeout(t);
        reject(err);
      });
    });
  }

  /** True once the peer closed (or reset) the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `ready()` holds (checked on every arrival and close), at most `timeoutMs`. */
  private until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(t);
        this.wakeup = undefined;
        resolve();
      };
      const t = setTimeout(() => {
        this.wakeup = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`));
      }, timeoutMs);
      this.wakeup = check;
      check();
    });
  }

  /**
   * Reads one response; its bytes are consumed so the next call reads the next response.
   * `noBody` for answers that never carry one whatever their headers say (HEAD, 1xx, 204, 304).
   */
  async readResponse(timeoutMs = 10_000, opts: { noBody?: boolean } = {}): Promise<RawResponse> {
    await this.until(() => this.buf.includes('\r\n\r\n') || this.closedFlag, timeoutMs, 'a response head');
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`connection closed before a response head: ${JSON.stringify(this.buf.toString('latin1'))}`);
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = end + 4;
    const len = opts.noBody ? 0 : headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
    if (len === undefined) {
      await this.until(() => this.closedFlag, timeoutMs, 'the end of a body without Content-Length');
      const body = this.buf.subarray(start);
      this.buf = Buffer.alloc(0);
      return { status: Number(m[1]), headers, body };
    }
    await this.until(() => this.buf.length >= start + len || this.closedFlag, timeoutMs, `${len} body bytes`);
    if (this.buf.length < start + len) throw new Error(`connection closed after ${this.buf.length - start} of ${len} body bytes`);
    const body = this.buf.subarray(start, start + len);
    this.buf = this.buf.subarray(start + len);
    return { status: Number(m[1]), headers, body };
  }

  /** Reads exactly `n` raw bytes (after an upgrade, say); they are consumed like a response. */
  async readBytes(n: number, timeoutMs = 10_000): Promise<Buffer> {
    await this.until(() => this.buf.length >= n || this.closedFlag, timeoutMs, `${n} bytes`);
    if (this.buf.length < n) throw new Error(`connection closed after ${this.buf.length} of ${n} bytes`);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Resolves true if the peer closes the connection within `timeoutMs`, false otherwise. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    try {
      await this.until(() => this.closedFlag, timeoutMs, 'the connection to close');
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

import * as http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';
import {
  AgentMessage,
  ControlCommand,
  ControlDecoder,
  DeviceCommandReply,
  EdgeMessage,
  FORWARD_BIND_ADDR,
  FORWARD_BIND_PORT,
  HelloMessage,
  RequestHead,
  TunnelError,
  TunnelResponse,
  encodeControl,
  endToEndHeaders,
} from '@tether/protocol';
import { Clock, Logger } from '@tether/telemetry';
import { ChannelAgent } from './channel-agent';

export interface SessionLimits {
  requestTimeoutMs: number;
  /** Requests that may wait for a free channel; 0 refuses anything beyond the device's concurrency. */
  queueLimit: number;
}

export interface DeviceSessionInit {
  mac: string;
  ssh: Connection;
  socket: Duplex & { destroy(): void };
  control: ServerChannel;
  hello: HelloMessage;
  srcaddr: string;
  connectedAt: number;
  clock: Clock;
  logger: Logger;
}

/** One accepted device connection: its SSH session, control channel and request channels. */
export class DeviceSession {
  readonly mac: string;
  readonly connectionId: string;
  readonly srcaddr: string;
  readonly connectedAt: number;
  readonly protocolVersion: number;
  readonly maxConn: number;
  servers: string[];
  epoch = '';
  rx = 0;
  tx = 0;
  private closed = false;
  private readonly agent: ChannelAgent;
  private readonly pending = new Map<string, (r: DeviceCommandReply) => void>();
  private readonly closeHandlers: Array<(reason: string) => void> = [];
  readonly log: Logger;
  readonly logCtx: { client: string };

  constructor(private readonly init: DeviceSessionInit) {
    this.mac = init.mac;
    this.connectionId = init.hello.id;
    this.srcaddr = init.srcaddr;
    this.connectedAt = init.connectedAt;
    this.protocolVersion = init.hello.protocolVersion;
    this.maxConn = init.hello.maxConn;
    this.servers = init.hello.servers;
    this.log = init.logger;
    this.logCtx = { client: `${this.connectionId}@${this.srcaddr}` };
    this.agent = new ChannelAgent(() => this.openChannel(), this.maxConn);

    const decoder = new ControlDecoder<AgentMessage>();
    init.control.on('data', (chunk: Buffer) => {
      try {
        for (const msg of decoder.push(chunk)) this.onControl(msg);
      } catch (err) {
        this.close(`bad control message: ${(err as Error).message}`);
      }
    });
    init.control.resume();
    init.ssh.on('close', () => this.close('connection closed'));
    init.ssh.on('error', (err: Error) => this.close(`connection error: ${err.message}`));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: (reason: string) => void): void {
    this.closeHandlers.push(fn);
  }

  send(msg: EdgeMessage): void {
    if (!this.closed) this.init.control.write(encodeControl(msg));
  }

  /** Sends a command and waits for the agent's result (or the connection's end). */
  command(cmd: ControlCommand, timeoutMs = 10_000): Promise<DeviceCommandReply> {
    if (this.closed) return Promise.resolve({ ok: false, detail: 'device disconnected' });
    return new Promise((resolve) => {
      const t = this.init.clock.setTimeout(() => done({ ok: false, detail: 'device did not answer' }), timeoutMs);
      const done = (r: DeviceCommandReply) => {
        this.init.clock.clearTimeout(t);
        this.pending.delete(cmd.type);
        resolve(r);
      };
      this.pending.get(cmd.type)?.({ ok: false, detail: 'superseded' });
      this.pending.set(cmd.type, (r) => {
        if (cmd.type === 'set-servers' && r.ok) this.servers = cmd.servers;
        done(r);
      });
      this.send(cmd);
    });
  }

  private onControl(msg: AgentMessage): void {
    if (msg.type === 'result') this.pending.get(msg.command)?.({ ok: msg.ok, detail: msg.detail ?? '' });
  }

  private openChannel(): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new TunnelError('not-connected', `Device ${this.mac} disconnected`));
      this.init.ssh.forwardOut(FORWARD_BIND_ADDR, FORWARD_BIND_PORT, '127.0.0.1', 0, (err, channel) => {
        if (err) return reject(new TunnelError('device-error', `Device refused a channel: ${err.message}`));
        channel.on('data', (c: Buffer) => (this.rx += c.length));
        // The device's web server closed this connection: it cannot carry another request, so it must
        // leave the keep-alive pool now (a half-closed channel would swallow the next request).
        channel.on('end', () => process.nextTick(() => channel.destroy()));
        const write = channel.write.bind(channel) as (...a: unknown[]) => boolean;
        (channel as unknown as { write: (...a: unknown[]) => boolean }).write = (chunk: unknown, ...rest: unknown[]) => {
          this.tx += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Buffer).length;
          return write(chunk, ...rest);
        };
        resolve(channel);
      });
    });
  }

  /** Forwards one HTTP request to the device's web server over a (reused) channel. */
  request(head: RequestHead, body: Readable, signal: AbortSignal, limits: SessionLimits): Promise<TunnelResponse> {
    if (this.closed) return Promise.reject(new TunnelError('not-connected', `Device ${this.mac} is not connected`));
    if (signal.aborted) return Promise.reject(new TunnelError('device-error', 'Request aborted by the user'));
    if (this.agent.active() >= this.maxConn && this.agent.queued() >= limits.queueLimit)
      return Promise.reject(new TunnelError('busy', `Device ${this.mac} is busy`));
    const headers: string[] = [];
    let hasHost = false;
    for (const [k, v] of head.headers) {
      if (k.toLowerCase() === 'host') hasHost = true;
      headers.push(k, v);
    }
    if (!hasHost) headers.push('Host', this.mac);
    return this.attempt(head, headers, body, signal, limits, true);
  }

  private attempt(
    head: RequestHead,
    headers: string[],
    body: Readable,
    signal: AbortSignal,
    limits: SessionLimits,
    mayRetry: boolean,
  ): Promise<TunnelResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        agent: this.agent,
        method: head.method,
        path: head.path,
        headers: headers as unknown as http.OutgoingHttpHeaders,
        setHost: false,
      });
      let settled = false;
      let sent = 0;
      let timer: unknown;
      // request_timeout counts from the last request byte passed on, not from the start: a device
      // cannot answer before it has the body, and a long upload over a poor uplink is not a timeout.
      // A device that stops reading stops the flow (backpressure), so it still times out.
      const arm = () => {
        this.init.clock.clearTimeout(timer);
        timer = this.init.clock.setTimeout(() => {
          fail(new TunnelError('timeout', `Device ${this.mac} did not answer within ${limits.requestTimeoutMs / 1000} s`));
          req.destroy();
        }, limits.requestTimeoutMs);
      };
      arm();
      const onData = (c: Buffer) => {
        sent += c.length;
        if (!settled) arm();
      };
      body.on('data', onData);
      const done = () => {
        settled = true;
        this.init.clock.clearTimeout(timer);
        body.off('data', onData);
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (err: TunnelError) => {
        if (settled) return;
        done();
        body.resume();
        reject(err);
      };
      const onAbort = () => {
        req.destroy();
        fail(new TunnelError('device-error', 'Request aborted by the user'));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      req.on('response', (res) => {
        if (settled) return void res.destroy();
        done();
        res.on('close', () => {
          if (!res.complete) res.destroy(new TunnelError('device-error', 'Device closed the connection mid-response'));
        });
        const onAbortBody = () => res.destroy();
        signal.addEventListener('abort', onAbortBody, { once: true });
        res.once('close', () => signal.removeEventListener('abort', onAbortBody));
        resolve({
          head: {
            status: res.statusCode ?? 502,
            statusMessage: res.statusMessage ?? '',
            headers: endToEndHeaders(res.rawHeaders),
          },
          body: res,
        });
      });
      req.on('error', (err) => {
        if (settled) return;
        // A kept-alive connection the web server closed just as we reused it: the request never
        // reached it, so a request without a body is sent once more on a fresh connection.
        if (mayRetry && req.reusedSocket && sent === 0 && body.readableEnded && !this.closed && !signal.aborted) {
          done();
          resolve(this.attempt(head, headers, body, signal, limits, false));
          return;
        }
        fail(
          err instanceof TunnelError
            ? err
            : this.closed
              ? new TunnelError('device-error', `Device ${this.mac} disconnected`)
              : new TunnelError('device-error', `Device closed the connection (${err.message})`),
        );
      });
      body.on('error', () => req.destroy());
      if (body.readableEnded) req.end();
      else body.pipe(req);
    });
  }

  /** Closes the device connection; every request on it ends with an error. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
    for (const p of this.pending.values()) p({ ok: false, detail: 'device disconnected' });
    this.pending.clear();
    try {
      this.init.ssh.end();
    } catch {
      // already gone
    }
    this.init.socket.destroy();
    for (const fn of this.closeHandlers) fn(reason);
  }
}

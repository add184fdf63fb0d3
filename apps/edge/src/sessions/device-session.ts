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
    if (this.agent.active() >= this.maxConn && this.agent.queued() >= limits.queueLimit)
      return Promise.reject(new TunnelError('busy', `Device ${this.mac} is busy`));

    return new Promise((resolve, reject) => {
      const headers: string[] = [];
      let hasHost = false;
      for (const [k, v] of head.headers) {
        if (k.toLowerCase() === 'host') hasHost = true;
        headers.push(k, v);
      }
      if (!hasHost) headers.push('Host', this.mac);
      const req = http.request({
        agent: this.agent,
        method: head.method,
        path: head.path,
        headers: headers as unknown as http.OutgoingHttpHeaders,
        setHost: false,
      });
      let settled = false;
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
      body.on('data', () => {
        if (!settled) arm();
      });
      const fail = (err: TunnelError) => {
        if (settled) return;
        settled = true;
        this.init.clock.clearTimeout(timer);
        body.resume();
        reject(err);
      };
      const onAbort = () => {
        req.destroy();
        fail(new TunnelError('device-error', 'Request aborted by the user'));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      req.on('response', (res) => {
        settled = true;
        this.init.clock.clearTimeout(timer);
        res.on('close', () => {
          signal.removeEventListener('abort', onAbort);
          if (!res.complete) res.destroy(new TunnelError('device-error', 'Device closed the connection mid-response'));
        });
        signal.addEventListener('abort', () => res.destroy(), { once: true });
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
        fail(
          err instanceof TunnelError
            ? err
            : this.closed
              ? new TunnelError('device-error', `Device ${this.mac} disconnected`)
              : new TunnelError('device-error', `Device closed the connection (${err.message})`),
        );
      });
      body.on('error', () => req.destroy());
      body.pipe(req);
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

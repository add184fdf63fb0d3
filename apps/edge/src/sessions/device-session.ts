import type { Duplex } from 'node:stream';
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
  LeasedChannel,
  TunnelError,
  encodeControl,
} from '@tether/protocol';
import { Clock, Logger } from '@tether/telemetry';
import { ChannelPool } from './channel.pool';

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
  /** Moving away: no new streams; closes once the open ones are done (see retire). */
  private retiring = false;
  private readonly pool: ChannelPool;
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
    this.pool = new ChannelPool({
      mac: this.mac,
      maxConn: this.maxConn,
      open: () => this.openChannel(),
      count: { rx: (n) => (this.rx += n), tx: (n) => (this.tx += n) },
      lostReason: () => (this.closed ? `Device ${this.mac} disconnected` : 'Device closed the connection'),
    });

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

  get isRetiring(): boolean {
    return this.retiring;
  }

  /**
   * Make-before-break: the device is (or is about to be) served elsewhere. New streams are refused as
   * `not-connected` (the gateway follows the device to its new owner), streams already bound go on, and
   * the connection closes once none is left, or at `deadlineMs` (clock time) whatever is still open.
   */
  retire(reason: string, deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.onClose(() => resolve());
      if (this.retiring) return;
      this.retiring = true;
      const clock = this.init.clock;
      const t = clock.setTimeout(() => this.close(`${reason}; requests still open at the deadline`), Math.max(0, deadlineMs - clock.now()));
      this.onClose(() => clock.clearTimeout(t));
      this.pool.onIdle = () => this.close(reason);
      this.pool.closeIdle();
    });
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
        resolve(channel);
      });
    });
  }

  /** A connection to the device's web server for one stream: an idle one reused, or a new channel. */
  lease(queueLimit: number): Promise<LeasedChannel> {
    if (this.closed) return Promise.reject(new TunnelError('not-connected', `Device ${this.mac} is not connected`));
    if (this.retiring) return Promise.reject(new TunnelError('not-connected', `Device ${this.mac} is moving to another server`));
    return this.pool.lease(queueLimit);
  }

  /** Closes the device connection; every request on it ends with an error. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
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

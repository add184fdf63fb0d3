import type { Duplex } from 'node:stream';
import { TunnelError } from '@tether/protocol';
import { DeviceChannel } from './device-channel';

export interface ChannelPoolOptions {
  /** The device's own concurrency (its hello's max_conn): channels open at once, idle ones included. */
  maxConn: number;
  mac: string;
  open(): Promise<Duplex>;
  count: { rx(n: number): void; tx(n: number): void };
  lostReason(): string;
}

/**
 * A device's keep-alive connections to its web server. Consecutive streams reuse an idle channel (a
 * new one costs a round trip and the device a new TCP connection); beyond maxConn leases wait in a
 * bounded queue, which is the O3C request queue.
 */
export class ChannelPool {
  private readonly idle: DeviceChannel[] = [];
  private readonly all = new Set<DeviceChannel>();
  private opening = 0;
  private readonly waiting: Array<{ resolve(ch: DeviceChannel): void; reject(e: TunnelError): void }> = [];
  private closed = false;
  /** Set when the device is leaving: called once, when no channel is leased any more (the retiring session then closes). */
  onIdle?: () => void;

  constructor(private readonly opts: ChannelPoolOptions) {}

  /** Channels held by a stream (or being opened for one) and leases waiting for a channel. */
  get busy(): number {
    return this.all.size - this.idle.length + this.opening + this.waiting.length;
  }

  /** The device is leaving: idle channels close, streams holding one are asked to give it back (GoAway). */
  get leaving(): boolean {
    return this.onIdle !== undefined;
  }

  /** Closes the channels no stream holds and asks the streams that hold one to give it back. */
  closeIdle(): void {
    for (const ch of this.idle.splice(0)) ch.destroy();
    for (const ch of this.all) ch.goAway();
    this.checkIdle();
  }

  private saidIdle = false;

  private checkIdle(): void {
    if (!this.onIdle || this.saidIdle || this.busy !== 0) return;
    this.saidIdle = true;
    this.onIdle();
  }

  get size(): number {
    return this.all.size + this.opening;
  }

  /** `queueLimit`: leases that may wait for a channel; 0 refuses anything beyond maxConn. */
  lease(queueLimit: number): Promise<DeviceChannel> {
    if (this.closed) return Promise.reject(new TunnelError('not-connected', `Device ${this.opts.mac} is not connected`));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.size < this.opts.maxConn) return this.openOne();
    if (this.waiting.length >= queueLimit)
      return Promise.reject(new TunnelError('busy', `Device ${this.opts.mac} is busy`));
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private openOne(): Promise<DeviceChannel> {
    this.opening++;
    return this.opts.open().then(
      (raw) => {
        this.opening--;
        const ch = new DeviceChannel(raw, this, this.opts.count, this.opts.lostReason);
        this.all.add(ch);
        if (this.closed) ch.destroy();
        return ch;
      },
      (err: unknown) => {
        this.opening--;
        this.serveWaiting();
        throw err;
      },
    );
  }

  /** @internal a channel whose stream ended at a message boundary */
  giveBack(ch: DeviceChannel): void {
    const w = this.waiting.shift();
    if (w) w.resolve(ch);
    else if (this.onIdle) ch.destroy(); // leaving: nothing more will lease it
    else this.idle.push(ch);
  }

  /** @internal a channel that is gone: its slot may serve a waiting lease */
  forget(ch: DeviceChannel): void {
    if (!this.all.delete(ch)) return;
    const i = this.idle.indexOf(ch);
    if (i >= 0) this.idle.splice(i, 1);
    this.serveWaiting();
    this.checkIdle();
  }

  private serveWaiting(): void {
    if (this.closed || !this.waiting.length || this.size >= this.opts.maxConn) return;
    const w = this.waiting.shift()!;
    this.openOne().then(w.resolve, w.reject);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new TunnelError('not-connected', `Device ${this.opts.mac} disconnected`));
    for (const ch of [...this.all]) ch.abort(`Device ${this.opts.mac} disconnected`);
    this.idle.length = 0;
  }
}

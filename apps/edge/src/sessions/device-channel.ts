import type { Duplex } from 'node:stream';
import type { ChannelEvents, LeasedChannel } from '@tether/protocol';

/**
 * One SSH channel to the device's web server (one TCP connection there), leased to one stream at a
 * time. Listeners are installed once and forward to whichever stream holds the lease: a reused
 * channel costs no listener churn.
 */
export class DeviceChannel implements LeasedChannel {
  private events: ChannelEvents | null = null;
  private ended = false;
  private closed = false;

  constructor(
    private readonly channel: Duplex,
    private readonly pool: { giveBack(ch: DeviceChannel): void; forget(ch: DeviceChannel): void; readonly leaving: boolean },
    private readonly count: { rx(n: number): void; tx(n: number): void },
    private readonly lostReason: () => string,
  ) {
    channel.on('data', (chunk: Buffer) => {
      count.rx(chunk.length);
      if (this.events) this.events.data(chunk);
      else this.destroy(); // an idle connection that speaks is not one to reuse
    });
    channel.on('drain', () => this.events?.drain());
    // The web server closed its side: whatever the stream had ends here, and the channel is spent.
    channel.on('end', () => {
      this.ended = true;
      const ev = this.events;
      this.events = null;
      if (ev) ev.end();
      this.destroy();
    });
    channel.on('close', () => {
      this.closed = true;
      this.pool.forget(this);
      const ev = this.events;
      this.events = null;
      ev?.close(this.lostReason());
    });
    channel.on('error', () => this.destroy());
  }

  get usable(): boolean {
    return !this.ended && !this.closed && !this.channel.destroyed;
  }

  get queued(): number {
    return this.channel.writableLength;
  }

  write(chunk: Buffer): boolean {
    if (!this.usable) return true; // the stream learns of the loss through close()
    this.count.tx(chunk.length);
    return this.channel.write(chunk);
  }

  bind(events: ChannelEvents): void {
    this.events = events;
    this.channel.resume();
    if (this.pool.leaving) events.goAway?.();
  }

  /** The device is leaving this edge: the stream holding this channel is asked to give it back. */
  goAway(): void {
    this.events?.goAway?.();
  }

  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  release(): void {
    this.events = null;
    this.channel.resume();
    if (this.usable) this.pool.giveBack(this);
    else this.destroy();
  }

  /** The device connection is gone: the stream holding this channel hears why. */
  abort(reason: string): void {
    const ev = this.events;
    this.destroy();
    ev?.close(reason);
  }

  /**
   * ssh2's destroy only sends CLOSE, and the channel emits 'close' once its readable side has ended,
   * which never happens while unread data sits in it: whatever is left is drained into the void.
   */
  destroy(): void {
    this.events = null;
    this.pool.forget(this);
    if (this.closed) return;
    this.channel.destroy();
    this.channel.resume();
  }
}

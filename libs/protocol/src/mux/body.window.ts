import { PassThrough, Readable } from 'node:stream';
import { TunnelError } from '../tunnel.error';
import type { Frame } from './mux.frame';

/** Body bytes one side may send for a request before the other grants more. */
export const INITIAL_WINDOW = 512 * 1024;
/** The receiver grants in steps of at least this (fewer window frames). */
const GRANT_STEP = 128 * 1024;

/**
 * A body arriving as frames: written into a stream its consumer reads. Credit goes back only for
 * bytes the stream accepted without exceeding its buffer, so a consumer that stops reading stops
 * the sender after one window.
 */
export class InboundBody {
  readonly stream = new PassThrough({ highWaterMark: 64 * 1024 });
  private ungranted = 0;
  private done = false;

  constructor(private readonly grant: (bytes: number) => void) {
    // Failures reach the consumer through its own listeners; an unread body must not crash the process.
    this.stream.on('error', () => undefined);
    this.stream.on('drain', () => this.grantNow());
  }

  data(chunk: Buffer): void {
    if (this.done || !chunk?.length) return;
    this.ungranted += chunk.length;
    if (this.stream.write(chunk) && this.ungranted >= GRANT_STEP) this.grantNow();
  }

  private grantNow(): void {
    if (this.done || !this.ungranted) return;
    const n = this.ungranted;
    this.ungranted = 0;
    this.grant(n);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.stream.end();
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.stream.destroy(err);
  }
}

/**
 * A body leaving as frames, at most a window ahead of what the receiver consumed. Ends with an end
 * frame, or a failure frame when the source breaks off.
 */
export class OutboundBody {
  private credit = INITIAL_WINDOW;
  private held = false;
  private finished = false;
  private readonly onData = (chunk: Buffer) => {
    if (this.finished) return;
    this.send({ id: this.id, data: chunk });
    this.credit -= chunk.length;
    if (this.credit <= 0) {
      this.held = true;
      this.src.pause();
    }
  };

  constructor(
    private readonly id: number,
    private readonly src: Readable,
    private readonly send: (f: Frame) => void,
    /** Called once: without an error when the body was sent whole. */
    private readonly onDone: (err?: Error) => void,
    /**
     * What a cancel does to the source: `destroy` (a device response: closes its channel) or
     * `discard` (a user's upload: read to its end and dropped, so the user's connection stays usable).
     */
    private readonly onCancel: 'destroy' | 'discard',
  ) {
    src.on('data', this.onData);
    src.on('end', () => this.finish());
    src.on('error', (err: Error) => this.finish(err));
    // A close without end or error: the source broke off (the error is built only then: it is not cheap).
    src.on('close', () => {
      if (!this.finished) this.finish(new TunnelError('device-error', 'Connection lost mid-body'));
    });
  }

  grant(bytes: number): void {
    this.credit += bytes;
    if (this.held && this.credit > 0) {
      this.held = false;
      this.src.resume();
    }
  }

  /** The far side no longer wants the body. */
  cancel(): void {
    if (this.finished) return; // the common case: the body was already sent whole
    this.finished = true;
    if (this.onCancel === 'destroy') this.src.destroy();
    else {
      this.src.off('data', this.onData);
      this.src.resume();
    }
    this.onDone(new TunnelError('device-error', 'Cancelled'));
  }

  private finish(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    if (!err) this.send({ id: this.id, end: true });
    else {
      const e = err instanceof TunnelError ? err : new TunnelError('device-error', 'Connection lost mid-body');
      this.send({ id: this.id, failure: { code: e.code, reason: e.reason } });
    }
    this.onDone(err);
  }
}

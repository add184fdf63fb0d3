/** Bytes one side may send on a new stream before the other grants more. */
export const STREAM_WINDOW = 1024 * 1024;
/** A stream whose consumer keeps up grows its window up to this (bulk transfers). */
export const MAX_STREAM_WINDOW = 4 * 1024 * 1024;
/** The receiver grants in steps of at least this (fewer window frames). */
const GRANT_STEP = 128 * 1024;

/**
 * Per-stream flow control, both directions. A sender stops once it is a window ahead of what the
 * far side's consumer took; a receiver grants only bytes its consumer took (written without
 * back-pressure, or drained). So one slow reader holds back its own stream, never the link, and
 * holds at most STREAM_WINDOW in buffers. A consumer that takes bytes as fast as they come (written
 * straight through) earns a larger window, up to MAX_STREAM_WINDOW: one window per round trip of
 * grants is what limits a single transfer.
 */
export class StreamWindow {
  private credit = STREAM_WINDOW;
  private unacked = 0;
  private size = STREAM_WINDOW;

  constructor(private readonly grant: (bytes: number) => void) {}

  /** Counts bytes sent; false once the far side's window is used up (pause the source). */
  sent(bytes: number): boolean {
    this.credit -= bytes;
    return this.credit > 0;
  }

  /** A grant arrived; true when it reopened a closed window (resume the source). */
  granted(bytes: number): boolean {
    const wasClosed = this.credit <= 0;
    this.credit += bytes;
    return wasClosed && this.credit > 0;
  }

  /**
   * The local consumer took `bytes` of what the far side sent; `atOnce` when they went straight
   * through (nothing queued behind them), which grows the window.
   */
  ack(bytes: number, atOnce = false): void {
    let n = bytes;
    if (atOnce && this.size < MAX_STREAM_WINDOW) {
      const extra = Math.min(bytes, MAX_STREAM_WINDOW - this.size);
      this.size += extra;
      n += extra;
    }
    this.unacked += n;
    if (this.unacked >= GRANT_STEP) {
      const g = this.unacked;
      this.unacked = 0;
      this.grant(g);
    }
  }
}

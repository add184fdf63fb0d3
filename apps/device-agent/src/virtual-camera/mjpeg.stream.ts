import type { Writable } from 'node:stream';
import type { Clock } from '@tether/telemetry';
import { encodeFrame } from './jpeg.frame';
import { isUnpaced } from './virtual-camera.options';

export const BOUNDARY = 'myboundary';

export interface MjpegStreamOptions {
  fps: number;
  width: number;
  height: number;
  clock: Clock;
}

/** One multipart part: boundary, headers, the JPEG, CRLF (the layout Axis cameras send). */
export function mjpegPart(jpeg: Buffer): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), jpeg, Buffer.from('\r\n')]);
}

/** Parts of the unpaced mode, encoded once per size: a few different frames, so consecutive ones differ. */
const UNPACED_FRAMES = 8;
const unpacedParts = new Map<string, Buffer[]>();

function cachedParts(width: number, height: number): Buffer[] {
  const key = `${width}x${height}`;
  let parts = unpacedParts.get(key);
  if (!parts) {
    if (unpacedParts.size >= 8) unpacedParts.clear();
    parts = Array.from({ length: UNPACED_FRAMES }, (_, counter) => mjpegPart(encodeFrame({ width, height, counter })));
    unpacedParts.set(key, parts);
  }
  return parts;
}

/** The timer handle of the unpaced mode (it has no timer: 'drain' and setImmediate drive it). */
const UNPACED = Symbol('unpaced');

/**
 * Writes a part every 1/fps seconds until stopped. A slow reader makes frames be skipped while the
 * sink waits for 'drain' (a camera drops frames too), so at most one frame is ever queued beyond
 * the sink's own buffer.
 */
export class MjpegStream {
  private timer: unknown = null;
  private waitingForDrain = false;
  private counter = 0;
  private skippedFrames = 0;

  constructor(
    private readonly sink: Writable,
    private readonly o: MjpegStreamOptions,
  ) {}

  get sent(): number {
    return this.counter;
  }

  get skipped(): number {
    return this.skippedFrames;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (isUnpaced(this.o.clock)) {
      this.timer = UNPACED;
      return this.pump();
    }
    this.tick();
    this.timer = this.o.clock.setInterval(() => this.tick(), 1000 / this.o.fps);
  }

  /** Stops the timer; with `end`, also closes the multipart body so the client sees a clean end. */
  stop(end = false): void {
    if (this.timer !== null && this.timer !== UNPACED) this.o.clock.clearInterval(this.timer);
    this.timer = null;
    if (end && !this.sink.writableEnded && !this.sink.destroyed) this.sink.end(`--${BOUNDARY}--\r\n`);
  }

  /**
   * Unpaced (benchmarks): writes cached parts until the sink's buffer is full, then waits for 'drain'. It yields
   * after a few parts so the other streams and connections of the process get their turn.
   */
  private readonly pump = (): void => {
    if (this.timer !== UNPACED) return;
    if (this.sink.destroyed || this.sink.writableEnded) return this.stop();
    const parts = cachedParts(this.o.width, this.o.height);
    for (let i = 0; i < 4; i++) {
      if (!this.sink.write(parts[this.counter++ % parts.length])) return void this.sink.once('drain', this.pump);
    }
    setImmediate(this.pump);
  };

  private tick(): void {
    if (this.sink.destroyed || this.sink.writableEnded) return this.stop();
    if (this.waitingForDrain) {
      this.skippedFrames++;
      return;
    }
    const jpeg = encodeFrame({ width: this.o.width, height: this.o.height, counter: this.counter++ });
    if (!this.sink.write(mjpegPart(jpeg))) {
      this.waitingForDrain = true;
      this.sink.once('drain', () => (this.waitingForDrain = false));
    }
  }
}

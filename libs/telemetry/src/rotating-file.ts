import { WriteStream, closeSync, createWriteStream, existsSync, fstatSync, openSync, renameSync, rmSync } from 'node:fs';
import { Clock, systemClock } from './clock';

export interface RotationOptions {
  /** Rotate once the file exceeds this many bytes; 0: never (logrotation_filesize). */
  maxBytes?: number;
  /** Rotate when passing local midnight (logrotation_nightly). */
  nightly?: boolean;
  /** Rotated files kept: `<path>.1` (newest) .. `<path>.<keep>` (logrotation_keep). */
  keep?: number;
}

export interface RotatingFileOptions extends RotationOptions {
  clock?: Clock;
  /** How often size and date are checked (O3C: every minute). */
  checkIntervalMs?: number;
  /** Write errors (disk full, file removed with its directory); reported, never thrown. */
  onError?: (err: Error) => void;
}

const localDay = (ms: number) => {
  const d = new Date(ms);
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
};

/**
 * An append-only log file with O3C rotation (2.4.1.1): size and date are checked once per interval,
 * so a file may grow some bytes past the threshold and a nightly rotation may come up to one interval
 * after midnight. Rotation renames `<path>` to `<path>.1` (shifting older ones up to `keep`) and
 * reopens `<path>`; lines queued on the old stream still land in the renamed file, where they belong.
 */
export class RotatingFile {
  private stream!: WriteStream;
  /** Bytes in the file, counting those queued on the stream (its own count trails the writes). */
  private size = 0;
  private day: number;
  private readonly clock: Clock;
  private readonly timer: unknown;
  private opts: Required<RotationOptions>;
  private failed = false;
  private readonly onError: (err: Error) => void;

  constructor(
    readonly path: string,
    opts: RotatingFileOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.opts = { maxBytes: opts.maxBytes ?? 0, nightly: opts.nightly ?? false, keep: opts.keep ?? 5 };
    this.onError = opts.onError ?? (() => undefined);
    this.open();
    this.day = localDay(this.clock.now());
    const t = this.clock.setInterval(() => this.check(), opts.checkIntervalMs ?? 60_000);
    t.unref?.();
    this.timer = t;
  }

  /** Takes new rotation settings (a reload); the file stays open. */
  configure(opts: RotationOptions): void {
    this.opts = { ...this.opts, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  }

  write(line: string): void {
    this.size += Buffer.byteLength(line) + 1;
    this.stream.write(line + '\n');
  }

  /** The periodic check; public so the owner can run it at will. Returns whether it rotated. */
  check(): boolean {
    const today = localDay(this.clock.now());
    const midnight = today !== this.day;
    this.day = today;
    const full = this.opts.maxBytes > 0 && this.size > this.opts.maxBytes;
    if (!full && !(midnight && this.opts.nightly)) return false;
    try {
      this.rotate();
      return true;
    } catch (err) {
      this.onError(err as Error);
      return false;
    }
  }

  /** Flushes and closes the file; the timer stops. */
  close(): Promise<void> {
    this.clock.clearInterval(this.timer);
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private rotate(): void {
    const { keep } = this.opts;
    const name = (i: number) => `${this.path}.${i}`;
    rmSync(name(keep), { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(name(i))) renameSync(name(i), name(i + 1));
    renameSync(this.path, name(1));
    this.stream.end();
    this.open();
  }

  /** Opens synchronously so a bad path fails where the caller can say so (at start, on reload). */
  private open(): void {
    const fd = openSync(this.path, 'a', 0o640);
    try {
      this.size = fstatSync(fd).size;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.failed = false;
    this.stream = createWriteStream(this.path, { fd, flags: 'a' });
    this.stream.on('error', (err) => {
      if (this.failed) return;
      this.failed = true;
      this.onError(err);
    });
  }
}

import type { Clock } from '@tether/telemetry';

export interface AdmissionGateOptions<T> {
  /** Items in progress at once; more wait in arrival order. */
  concurrency: number;
  /** An item that waited longer is dropped instead of started (its sender has given up or soon will). */
  maxWaitMs: number;
  clock: Clock;
  /** Starts an item; it holds its slot until `release` is called (any number of times). */
  start(item: T, release: () => void): void;
  /** Drops an item that waited too long. */
  drop(item: T): void;
  /** An item that went away while waiting (closed by its sender) is skipped. */
  gone(item: T): boolean;
}

/**
 * Admission control for an expensive start (a device's TLS + SSH handshake): a bounded number in
 * progress, the rest in a FIFO queue whose items expire. In a reconnect storm the edge then spends its
 * CPU on handshakes that can still finish in time instead of on thousands at once that all time out.
 */
export class AdmissionGate<T> {
  private queue: Array<{ item: T; at: number }> = [];
  private head = 0;
  private running = 0;
  private closed = false;
  private sweeper?: { unref?(): void };
  dropped = 0;
  started = 0;

  constructor(private readonly o: AdmissionGateOptions<T>) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  offer(item: T): void {
    if (this.closed) return this.o.drop(item);
    this.queue.push({ item, at: this.o.clock.now() });
    this.pump();
    // While items wait, expired ones are dropped even if no slot frees (a stuck handshake holds one).
    if (this.waiting && !this.sweeper) {
      this.sweeper = this.o.clock.setInterval(() => this.sweep(), Math.max(100, Math.min(1000, this.o.maxWaitMs / 4)));
      this.sweeper.unref?.();
    }
  }

  /** Shutting down: everything waiting is dropped, and so is anything offered from now on. */
  close(): void {
    this.closed = true;
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    if (this.sweeper) this.o.clock.clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const { item } of waiting) if (!this.o.gone(item)) this.o.drop(item);
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.o.clock.now();
    while (this.running < this.o.concurrency && this.head < this.queue.length) {
      const { item, at } = this.queue[this.head++];
      if (this.o.gone(item)) continue;
      if (now - at > this.o.maxWaitMs) {
        this.dropped++;
        this.o.drop(item);
        continue;
      }
      this.running++;
      this.started++;
      let released = false;
      this.o.start(item, () => {
        if (released) return;
        released = true;
        this.running--;
        this.pump();
      });
    }
    this.compact();
  }

  private sweep(): void {
    const now = this.o.clock.now();
    while (this.head < this.queue.length) {
      const { item, at } = this.queue[this.head];
      if (!this.o.gone(item) && now - at <= this.o.maxWaitMs) break;
      this.head++;
      if (!this.o.gone(item)) {
        this.dropped++;
        this.o.drop(item);
      }
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      if (this.sweeper) this.o.clock.clearInterval(this.sweeper);
      this.sweeper = undefined;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

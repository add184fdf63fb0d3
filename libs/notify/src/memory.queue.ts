import { randomBytes } from 'node:crypto';
import { Clock, systemClock } from '@tether/telemetry';
import { NotifySender } from './notify.sender';
import { Notification, orderKeyOf, validateNotification } from './notification.types';
import { DEFAULT_RETRY, DeliveryHooks, NotificationQueue, RetryPolicy, assertQueued, outcomeOf, retryDelay } from './notification.queue';

export interface MemoryQueueOptions {
  urls: readonly string[];
  sender: NotifySender;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  hooks?: DeliveryHooks;
}

interface Item {
  n: Notification;
  deliveryId: string;
  attempts: number;
}

/**
 * The all-in-one server's queue: one FIFO lane per (receiver, device); a lane sends its head and only then the
 * next, so a device's later notification waits for its earlier one (also while that one is being retried).
 * Lanes are independent: a device whose receiver fails does not hold up other devices. Nothing survives the
 * process (there is nothing to survive it: the server and its devices go down together).
 */
export class MemoryNotificationQueue implements NotificationQueue {
  private readonly lanes = new Map<string, Item[]>();
  private readonly timers = new Set<unknown>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private closed = false;

  constructor(private readonly opts: MemoryQueueOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.clock = opts.clock ?? systemClock;
  }

  async enqueue(n: Notification): Promise<void> {
    validateNotification(n);
    assertQueued(n);
    if (this.closed) throw new Error('notification queue is closed');
    for (const url of this.opts.urls) {
      const key = `${url}\n${orderKeyOf(n)}`;
      const lane = this.lanes.get(key);
      const item = { n, deliveryId: randomBytes(12).toString('hex'), attempts: 0 };
      if (lane) lane.push(item);
      else {
        this.lanes.set(key, [item]);
        this.attempt(key, url);
      }
    }
  }

  /** Lanes with undelivered notifications (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
    this.lanes.clear();
  }

  private attempt(key: string, url: string): void {
    const lane = this.lanes.get(key);
    const item = lane?.[0];
    if (!lane || !item || this.closed) return;
    item.attempts++;
    const p = this.opts.sender
      .send(url, item.n, item.deliveryId)
      .then(
        (answer) => ({ answer, outcome: outcomeOf(item.n, answer) }),
        (e: Error) => ({ answer: undefined, outcome: { done: false as const, retry: true, reason: e.message } }),
      )
      .then(({ answer, outcome: o }) => {
        if (this.closed) return;
        if (o.done) {
          if (answer) this.opts.hooks?.delivered?.(item.n, url, answer, item.deliveryId);
        } else if (o.retry && item.attempts < this.retry.attempts) {
          this.opts.hooks?.retrying?.(item.n, url, o.reason, item.deliveryId);
          const t = this.clock.setTimeout(() => {
            this.timers.delete(t);
            this.attempt(key, url);
          }, retryDelay(item.attempts, this.retry, this.opts.random));
          this.timers.add(t);
          return;
        } else {
          this.opts.hooks?.gaveUp?.(item.n, url, o.reason, item.deliveryId);
        }
        lane.shift();
        if (lane.length) this.attempt(key, url);
        else this.lanes.delete(key);
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }
}

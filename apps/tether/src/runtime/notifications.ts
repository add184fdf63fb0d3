import { readFileSync } from 'node:fs';
import type { NotificationDeliveries } from '@tether/app-control';
import type { EdgeNotificationPort } from '@tether/app-edge';
import type { TetherConfig } from '@tether/config';
import {
  BullmqNotificationQueue,
  DeliveryHooks,
  MemoryNotificationQueue,
  NotificationQueue,
  NotifySender,
  RetryPolicy,
  decideClientHello,
} from '@tether/notify';
import { Logger, systemClock } from '@tether/telemetry';

/** The two sides of the notifications in one process: what edges queue, what control delivers. */
export interface HostNotifications {
  edge: EdgeNotificationPort;
  control: NotificationDeliveries;
}

/** How long an all-in-one waits at shutdown for its in-memory queue (server_down) to reach the receivers. */
const MEMORY_DRAIN_MARGIN_MS = 1000;

function retryOf(config: TetherConfig): RetryPolicy {
  return { baseMs: config.notify_retry_base_ms, maxDelayMs: config.notify_retry_max_ms, attempts: config.notify_retry_attempts };
}

function senderOf(config: TetherConfig): NotifySender {
  let ca: string | undefined;
  if (config.notification_ca) {
    try {
      ca = readFileSync(config.notification_ca, 'utf8');
    } catch (err) {
      throw new Error(`notification_ca: cannot read ${config.notification_ca}: ${(err as Error).message}`);
    }
  }
  return new NotifySender({ ca, timeoutMs: config.notify_timeout * 1000 });
}

/** Hooks whose receiver is attached later (control's delivery provider, once Nest built it). */
class HooksRelay implements DeliveryHooks {
  target?: DeliveryHooks;
  delivered: DeliveryHooks['delivered'] = (...a) => this.target?.delivered?.(...a);
  gaveUp: DeliveryHooks['gaveUp'] = (...a) => this.target?.gaveUp?.(...a);
}

/**
 * Notifications (reference section 6). With redis_url (the cluster): edges queue into BullMQ (enqueue only;
 * the jobs outlive the edge) and control runs the worker, so a notification survives both an edge and a
 * control that stop. Without (the all-in-one): one in-memory queue with the same interface. client_hello is
 * never queued: the edge asks the receivers itself.
 */
export function makeNotifications(config: TetherConfig, logger: Logger): HostNotifications {
  const log = logger.child('notify');
  const sender = senderOf(config);
  const urls = config.notify_urls;
  const retry = retryOf(config);
  const hello: EdgeNotificationPort['hello'] = (req, forceAccept) => decideClientHello(sender, { urls, forceAccept }, req);

  if (config.redis_url) {
    const redisUrl = config.redis_url;
    // Opened on first use: a process that never queues (control, an edge without notify_urls) holds no connection for it.
    let producer: BullmqNotificationQueue | undefined;
    let worker: BullmqNotificationQueue | undefined;
    const common = { redisUrl, sender, prefix: config.redis_prefix, retry };
    return {
      edge: {
        hello,
        enqueue: (n) => {
          if (urls.length === 0) return Promise.resolve();
          producer ??= new BullmqNotificationQueue({ ...common, urls, worker: false });
          return producer.enqueue(n);
        },
        stop: async () => {
          await producer?.close();
          if (!worker) sender.close();
        },
      },
      control: {
        start: async (hooks) => {
          // Jobs carry their receiver's URL: the worker needs no notify_urls of its own.
          worker ??= new BullmqNotificationQueue({ ...common, urls: [], worker: true, hooks });
          // Redis away at start: the worker connects when it comes back; control must start regardless.
          await Promise.race([worker.ready(), new Promise((r) => setTimeout(r, 3000).unref())]).catch((err: Error) =>
            log.warn(`notification worker not ready: ${err.message}`),
          );
          log.notice('delivering queued notifications (BullMQ worker)');
        },
        stop: async () => {
          await worker?.close();
          worker = undefined;
        },
      },
    };
  }

  const relay = new HooksRelay();
  const queue: NotificationQueue & { pending: number } = new MemoryNotificationQueue({ urls, sender, retry, clock: systemClock, hooks: relay });
  return {
    edge: {
      hello,
      enqueue: (n) => queue.enqueue(n),
      stop: async () => {
        // Nothing outlives this process: give what is queued (server_down last) one exchange to arrive.
        const until = Date.now() + config.notify_timeout * 1000 + MEMORY_DRAIN_MARGIN_MS;
        while (queue.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        if (queue.pending > 0) log.warn(`${queue.pending} notification(s) not delivered at shutdown`);
        await queue.close();
        sender.close();
      },
    },
    control: {
      start: async (hooks) => {
        relay.target = hooks;
      },
      stop: async () => {
        relay.target = undefined;
      },
    },
  };
}

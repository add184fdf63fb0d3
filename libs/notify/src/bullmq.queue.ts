import { createHash, randomBytes } from 'node:crypto';
import { DelayedError, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';
import { NotifySender } from './notify.sender';
import { Notification, orderKeyOf, validateNotification } from './notification.types';
import { DEFAULT_RETRY, DeliveryHooks, NotificationQueue, RetryPolicy, assertQueued, outcomeOf, retryDelay } from './notification.queue';

export interface BullmqQueueOptions {
  redisUrl: string;
  urls: readonly string[];
  sender: NotifySender;
  /** Key prefix (`redis_prefix`); BullMQ's keys go under `<prefix>bull`. */
  prefix?: string;
  queueName?: string;
  retry?: Partial<RetryPolicy>;
  /** Run a worker in this process (default true); false: enqueue only. */
  worker?: boolean;
  concurrency?: number;
  /** How often a notification waiting for its device's earlier one looks again (ms). */
  orderPollMs?: number;
  random?: () => number;
  hooks?: DeliveryHooks;
}

interface JobData {
  n: Notification;
  url: string;
  /** Job id of the same device's previous notification to the same receiver. */
  after: string | null;
}

const PENDING = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
const LAST_TTL_S = 7 * 24 * 3600;

/**
 * The cluster's queue. One job per (notification, receiver); its id is the delivery id (stable across
 * retries and restarts). Order per device: at enqueue, `SET <last> <id> GET` links the job to the device's
 * previous job for that receiver; the worker delivers a job only once that one is finished (delivered or
 * given up), and otherwise puts it back delayed without spending an attempt. Jobs live in Redis, so a worker
 * started after another stopped delivers the backlog.
 */
export class BullmqNotificationQueue implements NotificationQueue {
  private readonly redis: Redis;
  private readonly queue: Queue<JobData>;
  private readonly worker?: Worker<JobData>;
  private readonly workerRedis?: Redis;
  private readonly retry: RetryPolicy;
  private readonly prefix: string;
  private readonly chains = new Map<string, Promise<void>>();
  private closing?: Promise<void>;

  constructor(private readonly opts: BullmqQueueOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.prefix = opts.prefix ?? 'tether:';
    const name = opts.queueName ?? 'notify';
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue<JobData>(name, { connection: this.redis, prefix: `${this.prefix}bull` });
    // Redis away: enqueue rejects (the caller logs it) and ioredis reconnects; an unheard 'error' would throw.
    this.queue.on('error', () => undefined);
    if (opts.worker === false) return;
    this.workerRedis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    const random = opts.random ?? Math.random;
    this.worker = new Worker<JobData>(name, (job, token) => this.process(job, token), {
      connection: this.workerRedis,
      prefix: `${this.prefix}bull`,
      concurrency: opts.concurrency ?? 16,
      // A worker killed mid-delivery leaves its job locked: with these, it is picked up again within ~15 s
      // (not BullMQ's 30 s + 30 s), and a job that lived through several control restarts is still not failed
      // as "stalled too often" (BullMQ's default allows one).
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, this.retry, random) },
    });
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= this.retry.attempts;
      if (final) opts.hooks?.gaveUp?.(job.data.n, job.data.url, err.message, job.id ?? '');
      else opts.hooks?.retrying?.(job.data.n, job.data.url, err.message, job.id ?? '');
    });
    this.worker.on('error', () => undefined); // connection trouble: ioredis reconnects, jobs stay in Redis
  }

  async enqueue(n: Notification): Promise<void> {
    validateNotification(n);
    assertQueued(n);
    await Promise.all(this.opts.urls.map((url) => this.enqueueFor(url, n)));
  }

  /** Waits until the worker is connected and ready to take jobs. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
    await this.worker?.waitUntilReady();
  }

  /** Stops taking jobs (the active ones finish); queued jobs stay in Redis for the next worker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.chains.values()]);
      await this.worker?.close();
      await this.queue.close();
      await Promise.allSettled([this.redis.quit(), this.workerRedis?.quit()]);
    })();
    return this.closing;
  }

  // One process links a lane's jobs one after another, so its own enqueues never race for the `last` key.
  private enqueueFor(url: string, n: Notification): Promise<void> {
    const lane = `${createHash('sha1').update(url).digest('hex').slice(0, 12)}:${orderKeyOf(n)}`;
    const prev = this.chains.get(lane) ?? Promise.resolve();
    const next = prev.then(async () => {
      const id = randomBytes(12).toString('hex');
      const after = (await this.redis.set(`${this.prefix}notify:last:${lane}`, id, 'EX', LAST_TTL_S, 'GET')) as string | null;
      await this.queue.add(
        n.kind,
        { n, url, after },
        {
          jobId: id,
          attempts: this.retry.attempts,
          backoff: { type: 'tether' },
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
        },
      );
    });
    const settled = next.catch(() => undefined);
    this.chains.set(lane, settled);
    void settled.then(() => {
      if (this.chains.get(lane) === settled) this.chains.delete(lane);
    });
    return next;
  }

  private async process(job: Job<JobData>, token?: string): Promise<number> {
    const { n, url, after } = job.data;
    if (after && PENDING.has(await this.queue.getJobState(after))) {
      await job.moveToDelayed(Date.now() + (this.opts.orderPollMs ?? Math.min(this.retry.baseMs, 1000)), token);
      throw new DelayedError();
    }
    const answer = await this.opts.sender.send(url, n, job.id);
    const o = outcomeOf(n, answer);
    if (o.done) {
      this.opts.hooks?.delivered?.(n, url, answer, job.id ?? '');
      return answer.status;
    }
    throw o.retry ? new Error(o.reason) : new UnrecoverableError(o.reason);
  }
}

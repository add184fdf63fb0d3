import { NotifyAnswer } from './notify.sender';
import { Notification } from './notification.types';

/** Fire-and-forget delivery of server_up, server_down, client_connect and client_disconnect. */
export interface NotificationQueue {
  /** Resolves once the notification is queued for every receiver (not when delivered). */
  enqueue(n: Notification): Promise<void>;
  close(): Promise<void>;
}

/** What a queue reports to its owner (logging, metrics, acting on a client_connect redirect). */
export interface DeliveryHooks {
  delivered?(n: Notification, url: string, answer: NotifyAnswer, deliveryId: string): void;
  /** An attempt failed (no answer, 408, 429, 5xx) and the notification will be tried again. */
  retrying?(n: Notification, url: string, reason: string, deliveryId: string): void;
  /** Attempts exhausted or a permanent refusal: the notification is dropped for that receiver. */
  gaveUp?(n: Notification, url: string, reason: string, deliveryId: string): void;
}

export interface RetryPolicy {
  /** First retry after about this many ms; doubles per attempt. */
  baseMs: number;
  /** Largest delay between two attempts. */
  maxDelayMs: number;
  /** Attempts in all (the first included). */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxDelayMs: 30_000, attempts: 20 };

/** The kinds that are queued (client_hello is a synchronous decision). */
export const QUEUED_KINDS = ['server_up', 'server_down', 'client_connect', 'client_disconnect'] as const;

/**
 * Delay before attempt `attempt + 1` after `attempt` failed: exponential, capped, with "equal jitter"
 * (half fixed, half random) so receivers coming back are not hit by every sender at once.
 */
export function retryDelay(attempt: number, p: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export type DeliveryOutcome = { done: true } | { done: false; retry: boolean; reason: string };

/** 2xx (and 302 for client_connect, a redirect) is delivered; 408, 429 and 5xx are retried; other answers are refusals. */
export function outcomeOf(n: Notification, a: NotifyAnswer): DeliveryOutcome {
  if (a.status >= 200 && a.status < 300) return { done: true };
  if (a.status === 302 && n.kind === 'client_connect') return { done: true };
  const retry = a.status === 408 || a.status === 429 || a.status >= 500;
  return { done: false, retry, reason: `answered ${a.status}` };
}

export function assertQueued(n: Notification): void {
  if (!(QUEUED_KINDS as readonly string[]).includes(n.kind)) throw new Error(`${n.kind} is not delivered through a queue`);
}

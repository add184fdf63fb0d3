import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '@tether/telemetry';
import type { ClusterBus, ClusterMember } from './cluster-bus';
import { QueryMessage, ReplyMessage, queryChannel, replyChannel } from './cluster-topics';

export interface GatherOptions {
  /** Ask only members of these roles (and wait only for them). */
  roles?: string[];
  args?: unknown;
  /** Give up on members that have not answered by then. */
  deadlineMs?: number;
  clock?: Clock;
}

export interface GatherResult<T> {
  replies: Array<{ member: ClusterMember; body: T }>;
  /** Live members that did not answer in time, or answered an error. */
  missing: Array<{ member: ClusterMember; reason: string }>;
}

/**
 * Publishes a query and collects the replies until every live member (of the roles asked) answered or
 * the deadline passed. A member that joins after the listing and answers is kept too.
 */
export async function gather<T>(bus: ClusterBus, topic: string, opts: GatherOptions = {}): Promise<GatherResult<T>> {
  const clock = opts.clock ?? systemClock;
  const roles = opts.roles;
  const expected = (await bus.members()).filter((m) => !roles || roles.includes(m.role));
  const result: GatherResult<T> = { replies: [], missing: [] };
  if (!expected.length) return result;
  const qid = randomBytes(16).toString('hex');
  const waiting = new Map(expected.map((m) => [m.id, m]));
  const failed = new Map<string, { member: ClusterMember; reason: string }>();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const unsubscribe = await bus.subscribe(replyChannel(qid), (m) => {
    const r = m as ReplyMessage;
    if (!r || r.qid !== qid || !r.member || typeof r.member.id !== 'string') return;
    if (failed.has(r.member.id) || result.replies.some((x) => x.member.id === r.member.id)) return;
    if (r.error !== undefined) failed.set(r.member.id, { member: r.member, reason: r.error });
    else result.replies.push({ member: r.member, body: r.body as T });
    waiting.delete(r.member.id);
    if (!waiting.size) finish();
  });
  const timer = clock.setTimeout(finish, opts.deadlineMs ?? 1500);
  try {
    const q: QueryMessage = { qid, roles, args: opts.args };
    await bus.publish(queryChannel(topic), q);
    await done;
  } finally {
    clock.clearTimeout(timer);
    await unsubscribe();
  }
  result.missing = [...failed.values(), ...[...waiting.values()].map((member) => ({ member, reason: 'no answer in time' }))];
  return result;
}

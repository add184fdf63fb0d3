import { viaProxy } from '@tether/testing';
import { sleep } from '../proc';

export interface ReachResult {
  ok: number;
  /** When the last sampled device first answered 200 (ms of performance.now()), if all did. */
  allOkAt?: number;
  /** Outcome of each first try that was not a 200 ("502", "timeout", ...), counted. */
  firstFailures: Record<string, number>;
  /** MACs that never answered 200 before the deadline. */
  failing: string[];
}

/** `count` distinct random entries of `list`. */
export function sample<T>(list: T[], count: number): T[] {
  const pool = [...list];
  const out: T[] = [];
  for (let i = 0; i < count && pool.length; i++) out.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0]);
  return out;
}

/**
 * GETs `http://<mac>/fleet-probe` through the gateway for every MAC at once, and again for those that did not
 * answer 200, every `retryMs`, until all have or `deadline` (performance.now() ms) passes. Bounded in time.
 */
export async function reachAll(proxyPort: number, macs: string[], deadline: number, retryMs = 500): Promise<ReachResult> {
  const firstFailures: Record<string, number> = {};
  let pending = [...macs];
  let round = 0;
  let allOkAt: number | undefined;
  while (pending.length && performance.now() < deadline) {
    const timeoutMs = Math.max(500, Math.min(5000, deadline - performance.now()));
    const results = await Promise.all(
      pending.map((mac) =>
        viaProxy(proxyPort, `http://${mac}/fleet-probe`, { timeoutMs }).then(
          (r) => String(r.status),
          (err: Error) => (/timed out/.test(err.message) ? 'timeout' : `error ${err.message}`),
        ),
      ),
    );
    if (round === 0) for (const r of results) if (r !== '200') firstFailures[r] = (firstFailures[r] ?? 0) + 1;
    pending = pending.filter((_, i) => results[i] !== '200');
    round++;
    if (!pending.length) allOkAt = performance.now();
    else await sleep(Math.min(retryMs, Math.max(0, deadline - performance.now())));
  }
  return { ok: macs.length - pending.length, allOkAt, firstFailures, failing: pending };
}

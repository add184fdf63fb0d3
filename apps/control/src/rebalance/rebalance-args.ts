import { ArgResult, singleArg } from '../commands/command-args';

export interface RebalanceArgs {
  rate: number;
  dryRun: boolean;
}

export const MAX_REBALANCE_RATE = 10_000;

/** `rate` (devices per second, 1..10000; default `defaultRate`) and `dry_run` (0 or 1). */
export function parseRebalanceArgs(url: URL, defaultRate: number): ArgResult<RebalanceArgs> {
  for (const name of url.searchParams.keys())
    if (name !== 'rate' && name !== 'dry_run') return { ok: false, reason: `Unknown argument ${JSON.stringify(name.slice(0, 32))}` };
  let rate = defaultRate;
  if (url.searchParams.has('rate')) {
    const r = singleArg(url, 'rate');
    if (!r.ok) return r;
    if (!/^\d{1,5}$/.test(r.value) || Number(r.value) < 1 || Number(r.value) > MAX_REBALANCE_RATE)
      return { ok: false, reason: `Invalid rate ${JSON.stringify(r.value.slice(0, 32))}: expected devices per second from 1 to ${MAX_REBALANCE_RATE}` };
    rate = Number(r.value);
  }
  let dryRun = false;
  if (url.searchParams.has('dry_run')) {
    const d = singleArg(url, 'dry_run');
    if (!d.ok) return d;
    if (d.value !== '0' && d.value !== '1') return { ok: false, reason: `Invalid dry_run ${JSON.stringify(d.value.slice(0, 32))}: expected 0 or 1` };
    dryRun = d.value === '1';
  }
  return { ok: true, value: { rate, dryRun } };
}

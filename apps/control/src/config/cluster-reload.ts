import { ClusterBus, gather } from '@tether/cluster';
import type { Clock } from '@tether/telemetry';
import type { ConfigReloadResult } from './config-reload.port';

/** Bus query every edge and gateway answers by reloading its own configuration file. */
export const RELOAD_CONFIG_TOPIC = 'reload-config';

export interface ClusterReloadReport {
  /** Processes that reloaded. */
  reloaded: number;
  /** Processes whose file was invalid, that failed, or that did not answer in time: their old configuration may still be in force. */
  failed: Array<{ member: string; reason: string }>;
}

export interface ClusterReloadOptions {
  /** How long to wait for every live member (default 3 s: a reload reads one small file). */
  deadlineMs?: number;
  clock?: Clock;
}

/**
 * Asks every other process of the cluster (the live edge and gateway members of the bus) to reload its
 * own configuration file, and collects what each one came to.
 */
export async function reloadCluster(bus: ClusterBus, opts: ClusterReloadOptions = {}): Promise<ClusterReloadReport> {
  const res = await gather<ConfigReloadResult>(bus, RELOAD_CONFIG_TOPIC, {
    roles: ['edge', 'gateway'],
    deadlineMs: opts.deadlineMs ?? 3000,
    clock: opts.clock,
  });
  const report: ClusterReloadReport = { reloaded: 0, failed: [] };
  for (const r of res.replies) {
    if (r.body?.ok) report.reloaded++;
    else report.failed.push({ member: r.member.id, reason: r.body && !r.body.ok ? r.body.reason : 'no result' });
  }
  for (const m of res.missing) report.failed.push({ member: m.member.id, reason: m.reason });
  return report;
}

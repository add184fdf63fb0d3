import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { METRICS_TOPIC, gather } from '@tether/cluster';
import { AdminCgi } from '../admin/admin-cgi';
import { reply, replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { MetricsReport, metricsReport } from './metrics.format';

/** How long metrics.cgi waits for the members to flush and answer. */
const DEADLINE_MS = 1500;

/**
 * metrics.cgi (reference 3.2): cluster totals from the shared hash, after every live member flushed
 * what it counted (so a request just answered is in); gauges summed over the members that answered.
 */
@Injectable()
export class MetricsCgi implements AdminCgi {
  readonly path = '/admin/metrics.cgi';
  private readonly started: number;
  private readonly log;

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.started = deps.clock.now();
    this.log = deps.logger.child('control');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    try {
      reply(res, 200, 'application/json', JSON.stringify(await this.report(), null, 2) + '\n');
    } catch (err) {
      // The totals live in Redis: without it there is no cluster-wide answer to give.
      this.log.error(`metrics.cgi: cluster totals unavailable: ${(err as Error).message}`);
      replyFailure(res, 503, 'Cluster totals unavailable');
    }
  }

  private async report(): Promise<MetricsReport> {
    const { replies, missing } = await gather<Record<string, number>>(this.deps.bus, METRICS_TOPIC, {
      roles: ['edge', 'gateway'],
      deadlineMs: DEADLINE_MS,
      clock: this.deps.clock,
    });
    for (const m of missing) this.log.warn(`${m.member.id} left out of metrics.cgi: ${m.reason}`);
    const now = this.deps.clock.now();
    return metricsReport({
      totals: await this.deps.bus.totals(),
      gauges: replies.map((r) => (r.body && typeof r.body === 'object' ? r.body : {})),
      serverUptimeSeconds: (now - this.started) / 1000,
      configurationUptimeSeconds: (now - this.deps.live.loadedAt) / 1000,
      configurationReloads: this.deps.live.reloads,
      version: this.deps.version,
    });
  }
}

import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Pacer } from '@tether/cluster';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { DeviceListener } from '../listener/device-listener.service';
import { DeviceRegistry } from '../sessions/device-registry.service';
import type { DeviceSession } from '../sessions/device-session';
import { DrainTarget, chooseTarget, drainTargets } from './drain-targets';

/** How long a device that took a redirect has to connect to its target before it is reconnected instead. */
const MOVE_GRACE_MS = 10_000;
/** How long the other edges have to say how many devices they hold. */
const LOAD_QUERY_MS = 2000;
const POLL_MS = 50;

export interface DrainReport {
  devices: number;
  redirected: number;
  reconnected: number;
  /** Still connected when the deadline came (closed by the shutdown that follows). */
  remaining: number;
  ms: number;
}

/**
 * SIGTERM: the edge leaves without failing requests. It stops accepting devices, says in its liveness
 * record that it drains (no device is sent here; gateways still route to the devices it holds), then
 * moves its devices at drain_rate: a redirect to the least-loaded other edge of each device's server
 * list, else a reconnect. A device's old connection takes no new streams once its new one exists and
 * closes when its open ones are done (make-before-break, DeviceRegistry.displaced); all within
 * drain_deadline. The shutdown that follows releases what is left of its claims.
 */
@Injectable()
export class EdgeDrain implements BeforeApplicationShutdown {
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    private readonly registry: DeviceRegistry,
    private readonly listener: DeviceListener,
  ) {
    this.log = deps.logger.child('drain');
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (signal !== 'SIGTERM' || this.deps.config.drain_deadline === 0) return;
    await this.drain();
  }

  async drain(): Promise<DrainReport | null> {
    const { clock, config } = this.deps;
    const start = clock.now();
    const until = start + config.drain_deadline * 1000;
    const { targets, others } = await this.targets();
    if (!others) {
      // The all-in-one, or the last edge: nowhere for the devices to go, nothing to wait for.
      this.log.notice('no other live edge: closing device connections without a drain');
      return null;
    }
    this.listener.stopAccepting();
    this.deps.metrics.draining(true);
    await this.registry.startDraining(until);
    const sessions = this.registry.all();
    const to = targets.length ? targets.map((t) => t.edgeId).join(', ') : `the ${others} other edge(s) through the devices' server lists (reconnect)`;
    this.log.notice(`draining ${sessions.length} device(s) to ${to} at ${config.drain_rate}/s, deadline ${config.drain_deadline} s`);
    const report: DrainReport = { devices: sessions.length, redirected: 0, reconnected: 0, remaining: 0, ms: 0 };
    const pacer = new Pacer({ ratePerS: config.drain_rate, clock });
    const moves: Promise<void>[] = [];
    for (const s of sessions) {
      if (clock.now() >= until) break;
      await pacer.next();
      if (s.isClosed || s.isRetiring) continue;
      const t = chooseTarget(s.servers, targets);
      moves.push(t ? this.redirect(s, t, report) : this.reconnect(s, 'no other edge in its server list', report));
    }
    while (this.registry.open > 0 && clock.now() < until) await this.sleep(POLL_MS);
    report.remaining = this.registry.open;
    report.ms = clock.now() - start;
    this.log.notice(
      `drained in ${(report.ms / 1000).toFixed(1)} s: ${report.redirected} redirected, ${report.reconnected} reconnected, ${report.remaining} still connected at the deadline`,
    );
    return report;
  }

  /**
   * The other live edges a redirect can name, with how many devices each holds now; `others`: how many
   * other live edges take devices at all (behind a shared address too).
   */
  private async targets(): Promise<{ targets: DrainTarget[]; others: number }> {
    let edges;
    try {
      edges = await this.deps.presence.listEdges();
    } catch (err) {
      this.log.warn(`live edges unknown (${(err as Error).message}): devices will be reconnected`);
      return { targets: [], others: 1 };
    }
    const othersLive = edges.filter((e) => e.edgeId !== this.registry.edgeId && !e.draining).length;
    const self = { edgeId: this.registry.edgeId, client: this.registry.clientAddress };
    const others = drainTargets(self, edges, new Map());
    const loads = new Map<string, number>();
    await Promise.all(
      edges
        .filter((e) => others.some((o) => o.edgeId === e.edgeId))
        .map(async (e) => {
          const n = await Promise.race([
            this.deps.edgeLink.status(e.address).then((d) => d.length),
            this.sleep(LOAD_QUERY_MS).then(() => 0),
          ]).catch(() => 0);
          loads.set(e.edgeId, n);
        }),
    );
    return { targets: drainTargets(self, edges, loads), others: othersLive };
  }

  private async redirect(s: DeviceSession, t: DrainTarget, report: DrainReport): Promise<void> {
    const reply = await s.command({ type: 'redirect', server: t.client }, 5000);
    if (!reply.ok || /not in server list/i.test(reply.detail)) {
      t.load--;
      return this.reconnect(s, `redirect to ${t.edgeId} not taken (${reply.detail})`, report);
    }
    report.redirected++;
    this.log.debug(`redirected to ${t.edgeId} (${t.client})`, s.logCtx);
    // Its new connection's claim displaces this one (retired); a device that drops first closes it itself.
    const by = Math.min(this.deps.clock.now() + MOVE_GRACE_MS, this.registry.drainDeadline);
    while (!s.isClosed && !s.isRetiring && this.deps.clock.now() < by) await this.sleep(POLL_MS);
    if (!s.isClosed && !s.isRetiring) {
      report.redirected--;
      return this.reconnect(s, `did not move to ${t.edgeId}`, report);
    }
    // Counted once it moved: one that ignored the redirect counts as reconnected instead.
    this.deps.metrics.deviceMove('drain', 'redirected');
  }

  private async reconnect(s: DeviceSession, why: string, report: DrainReport): Promise<void> {
    if (s.isClosed) return;
    report.reconnected++;
    this.deps.metrics.deviceMove('drain', 'reconnected');
    this.log.notice(`reconnecting it: ${why}`, s.logCtx);
    await this.registry.retire(s, 'reconnected by the drain');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.deps.clock.setTimeout(resolve, ms));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Pacer } from '@tether/cluster';
import type { PresenceRecord } from '@tether/presence';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { DeviceCommander } from '../commands/device-commander.service';
import { BalanceEdge, Move, planRebalance, withinTolerance } from './rebalance-plan';

/** How long the final check waits for the moved devices to show up on their targets. */
const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 200;
/** Reconnect rounds at most: each sends the surplus left after the last, from fresh counts. */
export const MAX_ROUNDS = 4;

export interface RebalanceRequest {
  /** Redirects per second. */
  rate: number;
  dryRun: boolean;
  /** One progress line (without its newline). */
  write(line: string): void;
  /** True once the caller went away: no more moves are issued. */
  cancelled(): boolean;
}

export interface RebalanceSummary {
  planned: number;
  moved: number;
  /** Devices told to reconnect (a target behind the source's own device address). */
  reconnected: number;
  stayed: number;
  failed: number;
  /** Moved devices presence shows on their target by the end. */
  confirmed: number;
  /** Rounds that sent moves. */
  rounds: number;
}

/** Thrown when a rebalance is asked for while one runs. */
export class RebalanceRunning extends Error {}

/**
 * Moves devices so every live edge holds about the same number (rebalance.cgi): the edges' own device
 * lists make the plan, and redirects (through DeviceCommander, as redirect.cgi sends them) go out at the
 * given rate. A device whose server list lacks the target answers OK and stays (reference 3.3 note).
 * Edges sharing one device address get reconnects instead, planned again in rounds (docs/draining.md).
 * One rebalance at a time per control process.
 */
@Injectable()
export class Rebalancer {
  private running = false;
  private readonly log;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly commander: DeviceCommander,
  ) {
    this.log = deps.logger.child('rebalance');
  }

  get busy(): boolean {
    return this.running;
  }

  async run(req: RebalanceRequest): Promise<RebalanceSummary> {
    if (this.running) throw new RebalanceRunning('a rebalance is already running');
    this.running = true;
    try {
      return await this.carryOut(req);
    } finally {
      this.running = false;
    }
  }

  private async carryOut(req: RebalanceRequest): Promise<RebalanceSummary> {
    const { clock } = this.deps;
    const start = clock.now();
    const summary: RebalanceSummary = { planned: 0, moved: 0, reconnected: 0, stayed: 0, failed: 0, confirmed: 0, rounds: 0 };
    const moved: Move[] = [];
    // Redirects land where the plan says, so one round does it; reconnects land where the load balancer
    // sends them (the source included), so further rounds plan again from fresh counts.
    for (let round = 1; round <= MAX_ROUNDS + 1; round++) {
      const edges = await this.edges(req, round === 1);
      const total = edges.reduce((n, e) => n + e.devices.length, 0);
      const counts = edges.map((e) => `${e.edgeId} ${e.devices.length}`).join(', ');
      const plan = planRebalance(edges);
      if (round > 1) {
        const balanced = withinTolerance(edges, plan.quota);
        const last = round > MAX_ROUNDS || !plan.moves.length || balanced;
        req.write(`round ${round}: ${counts}${last ? (balanced || !plan.moves.length ? ': within tolerance' : `: stopping after ${MAX_ROUNDS} rounds`) : ''}`);
        if (last) break;
      } else {
        req.write(`rebalance: ${total} device(s) on ${edges.length} edge(s): ${counts}`);
      }
      const quota = [...plan.quota].map(([id, n]) => `${id} ${n}`).join(', ');
      const seconds = plan.moves.length / req.rate;
      const reconnects = plan.moves.filter((m) => m.action === 'reconnect').length;
      req.write(
        `${round > 1 ? `round ${round} ` : ''}plan: ${plan.moves.length} move(s) at ${req.rate}/s (about ${seconds.toFixed(1)} s), ending with ${quota || 'nothing'}`,
      );
      if (reconnects)
        req.write(`${reconnects} of them reconnect: the target shares the source's device address, the load balancer picks the edge`);
      if (plan.unfilled) req.write(`${plan.unfilled} place(s) stay unfilled: no surplus device has those edges in its server list`);
      if (req.dryRun) {
        for (const m of plan.moves)
          req.write(m.action === 'reconnect' ? `would reconnect ${m.mac} from ${m.from} (${m.server})` : `would move ${m.mac} ${m.from} -> ${m.to} (${m.server})`);
        req.write(`dry run: ${plan.moves.length} move(s) planned, none made${reconnects ? ` (${reconnects} reconnect(s); later rounds depend on where they land)` : ''}`);
        summary.planned = plan.moves.length;
        return summary;
      }
      if (!plan.moves.length) break;
      if (round === 1) this.log.notice(`rebalance of ${total} device(s) on ${edges.length} edge(s): ${plan.moves.length} move(s) at ${req.rate}/s`);
      summary.rounds = round;
      summary.planned += plan.moves.length;
      const sent = await this.issue(plan.moves, round, start, req, summary, moved);
      if (!sent.length || req.cancelled()) break;
      await this.untilPresence(sent, (d, rec) => !!rec && rec.epoch !== d.epoch);
    }
    summary.confirmed = await this.untilPresence(moved, (m, rec) => rec?.edgeId === m.to);
    const took = ((clock.now() - start) / 1000).toFixed(1);
    const cut = req.cancelled() ? ' (stopped: the caller went away)' : '';
    const rec = summary.reconnected ? `reconnected ${summary.reconnected} in ${summary.rounds} round(s), ` : '';
    req.write(
      `done in ${took} s${cut}: moved ${summary.moved}, ${rec}stayed ${summary.stayed}, failed ${summary.failed}; ${summary.confirmed} of ${summary.moved} moved device(s) seen on their target`,
    );
    this.log.notice(`rebalance done in ${took} s${cut}: moved ${summary.moved}, ${rec}stayed ${summary.stayed}, failed ${summary.failed}`);
    return summary;
  }

  /** Sends one round's moves at the rate; returns the reconnected devices with the epoch they left. */
  private async issue(moves: Move[], round: number, start: number, req: RebalanceRequest, summary: RebalanceSummary, moved: Move[]) {
    const { clock } = this.deps;
    const pacer = new Pacer({ ratePerS: req.rate, clock });
    const pending: Promise<void>[] = [];
    const sent: { mac: string; epoch: string }[] = [];
    for (const m of moves) {
      if (req.cancelled()) break;
      await pacer.next();
      if (req.cancelled()) break;
      const at = `+${((clock.now() - start) / 1000).toFixed(3)}s`;
      if (m.action === 'reconnect') {
        pending.push(
          (async () => {
            const epoch = (await this.deps.presence.lookup(m.mac).catch(() => null))?.epoch ?? '';
            const out = await this.commander.send({ mac: m.mac }, 'reconnect');
            if ('reason' in out) {
              summary.failed++;
              this.deps.metrics?.deviceMove('rebalance', 'failed');
              req.write(`${at} failed ${m.mac} reconnect from ${m.from}: ${out.reason}`);
            } else {
              summary.reconnected++;
              this.deps.metrics?.deviceMove('rebalance', 'reconnected');
              sent.push({ mac: m.mac, epoch });
              req.write(`${at} round ${round} reconnect ${m.mac} from ${m.from} (${m.server})`);
            }
          })(),
        );
        continue;
      }
      pending.push(
        this.commander.send({ mac: m.mac }, 'redirect', m.server).then((out) => {
          if ('reason' in out) {
            summary.failed++;
            this.deps.metrics?.deviceMove('rebalance', 'failed');
            req.write(`${at} failed ${m.mac} ${m.from} -> ${m.to}: ${out.reason}`);
          } else if (/not in server list/i.test(out.detail)) {
            summary.stayed++;
            this.deps.metrics?.deviceMove('rebalance', 'stayed');
            req.write(`${at} stayed ${m.mac} on ${m.from}: ${m.server} is not in its server list`);
          } else {
            summary.moved++;
            this.deps.metrics?.deviceMove('rebalance', 'redirected');
            moved.push(m);
            req.write(`${at} moved ${m.mac} ${m.from} -> ${m.to} (${m.server})`);
          }
        }),
      );
    }
    await Promise.all(pending);
    return sent;
  }

  /** Live edges that take devices, each with the MACs it holds (asked directly, as status.cgi does). */
  private async edges(req: RebalanceRequest, first: boolean): Promise<BalanceEdge[]> {
    const live = (await this.deps.presence.listEdges()).filter((e) => !e.draining && e.client);
    // A redirect names a device address: between edges behind one shared address (a single Service) the plan reconnects.
    const byClient = new Map<string, string[]>();
    for (const e of live) byClient.set(e.client as string, [...(byClient.get(e.client as string) ?? []), e.edgeId]);
    if (first)
      for (const [client, ids] of byClient)
        if (ids.length > 1) req.write(`edges ${ids.sort().join(', ')} share the device address ${client}: devices move between them by reconnect, in rounds`);
    const out: BalanceEdge[] = [];
    await Promise.all(
      live.map(async (e) => {
        try {
          const devices = await this.deps.edgeLink.status(e.address);
          out.push({ edgeId: e.edgeId, client: e.client as string, devices: devices.map((d) => ({ mac: d.mac, servers: d.servers })) });
        } catch (err) {
          req.write(`edge ${e.edgeId} left out: it did not answer (${(err as Error).message})`);
        }
      }),
    );
    return out.sort((a, b) => a.edgeId.localeCompare(b.edgeId));
  }

  /**
   * Polls presence (at most CONFIRM_MS) until `arrived` holds for every device; how many it held for. Reconnected
   * devices have arrived on a newer connection, redirected ones on their target.
   */
  private async untilPresence<T extends { mac: string }>(items: T[], arrived: (item: T, rec: PresenceRecord | null) => boolean): Promise<number> {
    const clock = this.deps.clock;
    const until = clock.now() + CONFIRM_MS;
    const left = new Set(items);
    for (;;) {
      for (const item of [...left]) {
        const rec = await this.deps.presence.lookup(item.mac).catch(() => null);
        if (arrived(item, rec)) left.delete(item);
      }
      if (!left.size || clock.now() >= until) return items.length - left.size;
      await new Promise((r) => clock.setTimeout(() => r(undefined), CONFIRM_POLL_MS));
    }
  }
}

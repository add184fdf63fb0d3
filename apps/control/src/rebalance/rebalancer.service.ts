import { Inject, Injectable } from '@nestjs/common';
import { Pacer } from '@tether/cluster';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { DeviceCommander } from '../commands/device-commander.service';
import { BalanceEdge, Move, planRebalance } from './rebalance-plan';

/** How long the final check waits for the moved devices to show up on their targets. */
const CONFIRM_MS = 10_000;
const CONFIRM_POLL_MS = 200;

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
  stayed: number;
  failed: number;
  /** Moved devices presence shows on their target by the end. */
  confirmed: number;
}

/** Thrown when a rebalance is asked for while one runs. */
export class RebalanceRunning extends Error {}

/**
 * Moves devices so every live edge holds about the same number (rebalance.cgi): the edges' own device
 * lists make the plan, and redirects (through DeviceCommander, as redirect.cgi sends them) go out at the
 * given rate. A device whose server list lacks the target answers OK and stays (reference 3.3 note).
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
    const edges = await this.edges(req);
    const total = edges.reduce((n, e) => n + e.devices.length, 0);
    req.write(`rebalance: ${total} device(s) on ${edges.length} edge(s): ${edges.map((e) => `${e.edgeId} ${e.devices.length}`).join(', ')}`);
    const plan = planRebalance(edges);
    const quota = [...plan.quota].map(([id, n]) => `${id} ${n}`).join(', ');
    const seconds = plan.moves.length / req.rate;
    req.write(`plan: ${plan.moves.length} move(s) at ${req.rate}/s (about ${seconds.toFixed(1)} s), ending with ${quota || 'nothing'}`);
    if (plan.unfilled) req.write(`${plan.unfilled} place(s) stay unfilled: no surplus device has those edges in its server list`);
    const summary: RebalanceSummary = { planned: plan.moves.length, moved: 0, stayed: 0, failed: 0, confirmed: 0 };
    if (req.dryRun) {
      for (const m of plan.moves) req.write(`would move ${m.mac} ${m.from} -> ${m.to} (${m.server})`);
      req.write(`dry run: ${plan.moves.length} move(s) planned, none made`);
      return summary;
    }
    this.log.notice(`rebalance of ${total} device(s) on ${edges.length} edge(s): ${plan.moves.length} move(s) at ${req.rate}/s`);
    const start = clock.now();
    const pacer = new Pacer({ ratePerS: req.rate, clock });
    const moved: Move[] = [];
    const pending: Promise<void>[] = [];
    for (const m of plan.moves) {
      if (req.cancelled()) break;
      await pacer.next();
      if (req.cancelled()) break;
      const at = `+${((clock.now() - start) / 1000).toFixed(3)}s`;
      pending.push(
        this.commander.send({ mac: m.mac }, 'redirect', m.server).then((out) => {
          if ('reason' in out) {
            summary.failed++;
            req.write(`${at} failed ${m.mac} ${m.from} -> ${m.to}: ${out.reason}`);
          } else if (/not in server list/i.test(out.detail)) {
            summary.stayed++;
            req.write(`${at} stayed ${m.mac} on ${m.from}: ${m.server} is not in its server list`);
          } else {
            summary.moved++;
            moved.push(m);
            req.write(`${at} moved ${m.mac} ${m.from} -> ${m.to} (${m.server})`);
          }
        }),
      );
    }
    await Promise.all(pending);
    summary.confirmed = await this.confirm(moved);
    const took = ((clock.now() - start) / 1000).toFixed(1);
    const cut = req.cancelled() ? ' (stopped: the caller went away)' : '';
    req.write(
      `done in ${took} s${cut}: moved ${summary.moved}, stayed ${summary.stayed}, failed ${summary.failed}; ${summary.confirmed} of ${summary.moved} moved device(s) seen on their target`,
    );
    this.log.notice(`rebalance done in ${took} s${cut}: moved ${summary.moved}, stayed ${summary.stayed}, failed ${summary.failed}`);
    return summary;
  }

  /** Live edges that take devices, each with the MACs it holds (asked directly, as status.cgi does). */
  private async edges(req: RebalanceRequest): Promise<BalanceEdge[]> {
    const live = (await this.deps.presence.listEdges()).filter((e) => !e.draining && e.client);
    // A redirect names a device address: edges behind one shared address (a single Service) cannot be told apart.
    const byClient = new Map<string, string[]>();
    for (const e of live) byClient.set(e.client as string, [...(byClient.get(e.client as string) ?? []), e.edgeId]);
    for (const [client, ids] of byClient)
      if (ids.length > 1) req.write(`edges ${ids.sort().join(', ')} left out: they share the device address ${client} (set client_advertise per edge)`);
    const out: BalanceEdge[] = [];
    await Promise.all(
      live.filter((e) => byClient.get(e.client as string)?.length === 1).map(async (e) => {
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

  /** How many moved devices presence names on their target (waiting a little for the last to arrive). */
  private async confirm(moved: Move[]): Promise<number> {
    const clock = this.deps.clock;
    const until = clock.now() + CONFIRM_MS;
    const left = new Set(moved);
    for (;;) {
      for (const m of [...left]) {
        const rec = await this.deps.presence.lookup(m.mac).catch(() => null);
        if (rec?.edgeId === m.to) left.delete(m);
      }
      if (!left.size || clock.now() >= until) return moved.length - left.size;
      await new Promise((r) => clock.setTimeout(() => r(undefined), CONFIRM_POLL_MS));
    }
  }
}

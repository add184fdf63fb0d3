import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { parseRebalanceArgs } from './rebalance-args';
import { Rebalancer } from './rebalancer.service';

/**
 * rebalance.cgi (Tether's own; O3C moves devices one redirect.cgi at a time): `rate=<devices per s>`
 * (default rebalance_rate), `dry_run=1`. Streams progress as text/plain lines and ends with the summary;
 * 409 while another rebalance runs. A caller that goes away stops the moves not issued yet.
 */
@Injectable()
export class RebalanceCgi implements AdminCgi {
  readonly path = '/admin/rebalance.cgi';

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly rebalancer: Rebalancer,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const args = parseRebalanceArgs(url, this.deps.config.rebalance_rate);
    if (!args.ok) return replyFailure(res, 400, args.reason);
    if (this.rebalancer.busy) return replyFailure(res, 409, 'A rebalance is already running; wait for its summary');
    let gone = false;
    res.on('close', () => (gone = true));
    res.socket?.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    try {
      await this.rebalancer.run({
        ...args.value,
        write: (line) => {
          if (!gone) res.write(line + '\n');
        },
        cancelled: () => gone,
      });
    } catch (err) {
      if (!gone) res.write(`failed: ${(err as Error).message}\n`);
    }
    res.end();
  }
}

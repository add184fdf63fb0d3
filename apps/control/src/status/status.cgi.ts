import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { reply } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ClusterStatus } from './cluster-status.service';
import { statusJson, statusText } from './status.format';

/** status.cgi (reference 3.1): every device of the cluster; `format=json` for tables 4–6. */
@Injectable()
export class StatusCgi implements AdminCgi {
  readonly path = '/admin/status.cgi';
  private readonly started: number;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly status: ClusterStatus,
  ) {
    this.started = deps.clock.now();
  }

  async handle(_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [devices, requests] = await Promise.all([this.status.devices(), this.status.requests()]);
    if (url.searchParams.get('format') === 'json') {
      const uptime = (this.deps.clock.now() - this.started) / 1000;
      return reply(res, 200, 'application/json', statusJson(devices, uptime, this.deps.version, requests));
    }
    reply(res, 200, 'text/plain', statusText(devices, requests));
  }
}

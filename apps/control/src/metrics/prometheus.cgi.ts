import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { reply, replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';

/**
 * `/metrics` on the admin listeners (behind admin_credentials): the Prometheus text of this control
 * process, so a control without listen_metrics can still be scraped. Not an O3C CGI; the cluster's
 * figures in the O3C form are metrics.cgi.
 */
@Injectable()
export class PrometheusCgi implements AdminCgi {
  readonly path = '/metrics';

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return replyFailure(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    const text = await this.deps.metrics?.exposition();
    if (!text) return replyFailure(res, 404, 'Metrics are not collected in this process');
    // For HEAD node sends the head only (with the length the body would have).
    reply(res, 200, text.contentType, text.body, { 'Cache-Control': 'no-store' });
  }
}

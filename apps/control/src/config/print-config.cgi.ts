import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { printConfig } from '@tether/config';
import { AdminCgi } from '../admin/admin-cgi';
import { reply } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';

/**
 * print_config.cgi (reference 3.10): the configuration in force in control as `key = value` lines;
 * `credentials` and every other secret shown as a single `*`.
 */
@Injectable()
export class PrintConfigCgi implements AdminCgi {
  readonly path = '/admin/print_config.cgi';

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    reply(res, 200, 'text/plain', printConfig(this.deps.live.current));
  }
}

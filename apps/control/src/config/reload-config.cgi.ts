import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ConfigReloadResult } from './config-reload.port';

/** Reference 3.9.1, byte for byte: 49 bytes. */
export const RELOAD_FAILED_BODY = 'Request failed. (Reason: Internal Server Error.)\n';

/**
 * reload_config.cgi (reference 3.9): control reloads its own configuration file. 200 without a body
 * on success; the reference's 500 when the new file is invalid (the old configuration stays in force;
 * the problems are in the log, not in the answer, as in the reference).
 */
@Injectable()
export class ReloadConfigCgi implements AdminCgi {
  readonly path = '/admin/reload_config.cgi';
  private readonly log;

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.log = deps.logger.child('admin');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    let result: ConfigReloadResult;
    if (!this.deps.reload) {
      result = { ok: false, reason: 'no configuration file to reload' };
      this.log.error('reload_config.cgi: no configuration file to reload');
    } else {
      result = await this.deps.reload.reload('reload_config.cgi');
    }
    if (result.ok) {
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(500, 'Server Error', {
      'Content-Type': 'text/plain',
      Connection: 'close',
      'Content-Length': Buffer.byteLength(RELOAD_FAILED_BODY),
    });
    res.end(RELOAD_FAILED_BODY);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import type { ClusterReloadReport } from './cluster-reload';
import { ConfigReloadResult } from './config-reload.port';

/** Reference 3.9.1, byte for byte: 49 bytes. */
export const RELOAD_FAILED_BODY = 'Request failed. (Reason: Internal Server Error.)\n';

/**
 * reload_config.cgi (reference 3.9): control reloads its own configuration file and asks every other
 * process of the cluster to reload its own (when the host gave `reloadOthers`). 200 without a body
 * when all reloaded; the reference's 500 when any file is invalid or a process did not confirm (an
 * invalid file leaves that process's old configuration in force; the problems are in its log and,
 * per process, in control's, not in the answer, as in the reference).
 */
@Injectable()
export class ReloadConfigCgi implements AdminCgi {
  readonly path = '/admin/reload_config.cgi';
  private readonly log;

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.log = deps.logger.child('admin');
  }

  /** True when every other process reloaded (or there are none to ask). */
  private async reloadOthers(): Promise<boolean> {
    if (!this.deps.reloadOthers) return true;
    let report: ClusterReloadReport;
    try {
      report = await this.deps.reloadOthers();
    } catch (err) {
      this.log.error(`reload_config.cgi: could not ask the other processes to reload: ${(err as Error).message}`);
      return false;
    }
    for (const f of report.failed) this.log.error(`reload_config.cgi: ${f.member} did not reload: ${f.reason}`);
    this.log.notice(`reload_config.cgi: ${report.reloaded} other process(es) reloaded, ${report.failed.length} did not`);
    return report.failed.length === 0;
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
    const others = await this.reloadOthers();
    if (result.ok && others) {
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

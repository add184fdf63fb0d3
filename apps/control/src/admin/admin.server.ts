import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import { formatListen, isLoopback } from '@tether/config';
import { failureBody } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ClusterStatus } from '../status/cluster-status.service';
import { statusJson, statusText } from '../status/status.format';

/** listen_admin: the O3C administration interface (`/admin/<name>.cgi`). */
@Injectable()
export class AdminServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: http.Server;
  private readonly started: number;
  private readonly log;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly status: ClusterStatus,
  ) {
    this.started = deps.clock.now();
    this.log = deps.logger.child('admin');
  }

  address(): { host: string; port: number } | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_admin;
    if (!listen) return;
    const c = this.deps.config;
    if (!isLoopback(listen.host) && !c.admin_credentials && !c.allow_open_listeners)
      throw new Error(`listen_admin ${formatListen(listen)} is not loopback: set admin_credentials (or allow_open_listeners = 1)`);
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: Error) => {
        this.log.error(`${req.url}: ${err.message}`);
        this.reply(res, 500, 'text/plain', failureBody('Internal Server Error'));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(listen.port, listen.host, () => resolve());
    });
    this.log.notice(`listen_admin on ${formatListen(this.address())}`);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const want = this.deps.config.admin_credentials;
    if (!want) return true;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const got = Buffer.from(m ? Buffer.from(m[1], 'base64').toString() : '');
    const exp = Buffer.from(want);
    return got.length === exp.length && timingSafeEqual(got, exp);
  }

  private reply(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(body);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    if (!this.authorized(req))
      return this.reply(res, 401, 'text/plain', failureBody('Unauthorized'), { 'WWW-Authenticate': 'Basic realm="tether admin"' });
    const url = new URL(req.url ?? '/', 'http://admin');
    switch (url.pathname) {
      case '/admin/status.cgi': {
        const devices = await this.status.devices();
        if (url.searchParams.get('format') === 'json') {
          const uptime = (this.deps.clock.now() - this.started) / 1000;
          return this.reply(res, 200, 'application/json', statusJson(devices, uptime, this.deps.version));
        }
        return this.reply(res, 200, 'text/plain', statusText(devices));
      }
      default:
        return this.reply(res, 404, 'text/plain', failureBody('Not Found'));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}

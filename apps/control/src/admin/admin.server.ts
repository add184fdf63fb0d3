import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import { ListenAddress, boundAddress, formatListen, guardListener, listenOn } from '@tether/config';
import { basicAuthMatches, failureBody } from '@tether/protocol';
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

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_admin;
    if (!listen) return;
    guardListener('listen_admin', listen, 'admin_credentials', this.deps.config);
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: Error) => {
        this.log.error(`${req.url}: ${err.message}`);
        this.reply(res, 500, 'text/plain', failureBody('Internal Server Error'));
      });
    });
    await listenOn(this.server, listen);
    this.log.notice(`listen_admin on ${formatListen(this.address())}`);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const want = this.deps.config.admin_credentials;
    return !want || basicAuthMatches(req.headers.authorization, want);
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

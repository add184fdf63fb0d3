import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import { ListenAddress, boundAddress, formatListen, guardListener, listenOn } from '@tether/config';
import { basicAuthMatches } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ADMIN_CGIS, AdminCgi } from './admin-cgi';
import { replyFailure } from './admin-reply';

/** listen_admin: the O3C administration interface (`/admin/<name>.cgi`). */
@Injectable()
export class AdminServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: http.Server;
  private readonly log;
  private readonly cgis: Map<string, AdminCgi>;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    @Inject(ADMIN_CGIS) cgis: AdminCgi[],
  ) {
    this.log = deps.logger.child('admin');
    this.cgis = new Map(cgis.map((c) => [c.path, c]));
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
        if (!res.headersSent) replyFailure(res, 500, 'Internal Server Error');
        else res.destroy();
      });
    });
    await listenOn(this.server, listen);
    this.log.notice(`listen_admin on ${formatListen(this.address())}`);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const want = this.deps.live.current.admin_credentials;
    return !want || basicAuthMatches(req.headers.authorization, want);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.authorized(req)) {
      req.resume();
      return replyFailure(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="tether admin"' });
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const cgi = this.cgis.get(url.pathname);
    if (!cgi) {
      req.resume();
      return replyFailure(res, 404, 'Not Found');
    }
    await cgi.handle(req, res, url);
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}

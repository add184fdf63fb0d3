import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import { ConfigKey, ListenAddress, boundAddress, formatListen, guardListener, listenOn } from '@tether/config';
import { basicAuthMatches } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ADMIN_CGIS, AdminCgi } from './admin-cgi';
import { adminTlsOptions, requireAdminListener } from './admin-listeners';
import { replyFailure } from './admin-reply';

type AdminListenerKey = Extract<ConfigKey, 'listen_admin' | 'listen_admin_https'>;

/**
 * listen_admin (HTTP) and listen_admin_https (HTTPS with cert_file): the O3C administration interface
 * (`/admin/<name>.cgi`). Both answer the same CGIs with the same credentials; at least one is set.
 */
@Injectable()
export class AdminServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly servers = new Map<AdminListenerKey, http.Server>();
  private readonly log;
  private readonly cgis: Map<string, AdminCgi>;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    @Inject(ADMIN_CGIS) cgis: AdminCgi[],
  ) {
    this.log = deps.logger.child('admin');
    this.cgis = new Map(cgis.map((c) => [c.path, c]));
  }

  /** Where listen_admin (default) or listen_admin_https is bound. */
  address(key: AdminListenerKey = 'listen_admin'): ListenAddress | null {
    return boundAddress(this.servers.get(key));
  }

  async onApplicationBootstrap(): Promise<void> {
    const config = this.deps.config;
    requireAdminListener(config);
    // Every check before the first bind: a refused start leaves nothing listening.
    if (config.listen_admin) guardListener('listen_admin', config.listen_admin, 'admin_credentials', config);
    if (config.listen_admin_https)
      guardListener('listen_admin_https', config.listen_admin_https, 'admin_credentials', config);
    const tls = config.listen_admin_https ? adminTlsOptions(config) : null;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.route(req, res).catch((err: Error) => {
        // The path only: a query may carry a password (dispatch.cgi's pass).
        this.log.error(`${(req.url ?? '/').split('?')[0]}: ${err.message}`);
        if (!res.headersSent) replyFailure(res, 500, 'Internal Server Error');
        else res.destroy();
      });
    };
    if (config.listen_admin) await this.open('listen_admin', config.listen_admin, http.createServer(handler));
    if (config.listen_admin_https && tls)
      await this.open('listen_admin_https', config.listen_admin_https, https.createServer(tls, handler));
  }

  private async open(key: AdminListenerKey, listen: ListenAddress, server: http.Server): Promise<void> {
    this.servers.set(key, server);
    await listenOn(server, listen);
    this.log.notice(`${key} on ${formatListen(this.address(key))}`);
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
    for (const server of this.servers.values()) {
      server.close();
      server.closeAllConnections();
    }
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'node:http';
import { ListenAddress, boundAddress, formatListen, listenOn } from '@tether/config';
import { DispatcherCore } from '../dispatch/dispatcher.core';
import { DISPATCHER_DEPS, DispatcherDeps } from '../dispatcher.deps';

/**
 * dispatcher_crl_listen: plain HTTP, like crl.o3c.axis.com: a CRL is signed and public, so its consumers (edges
 * through crl_url) need no TLS to trust it. Only `GET /crl/<id>.crl` exists (DER, application/pkix-crl).
 */
@Injectable()
export class CrlServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: http.Server;

  constructor(
    @Inject(DISPATCHER_DEPS) private readonly deps: DispatcherDeps,
    private readonly core: DispatcherCore,
  ) {}

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.dispatcher_crl_listen;
    if (!listen) return;
    const path = `/crl/${this.core.crlId}.crl`;
    this.server = http.createServer((req, res) => {
      req.resume();
      const der = this.core.crl.current();
      if ((req.url ?? '').split('?')[0] !== path || !der) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`Not found; the CRL is at ${path}\n`);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Use GET\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/pkix-crl', 'Content-Length': der.length, 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : der);
    });
    await listenOn(this.server, listen);
    this.deps.logger.child('crl').notice(`dispatcher_crl_listen on ${formatListen(this.address())}, CRL at ${path}`);
  }

  onApplicationShutdown(): void {
    this.core.crl.stop();
    this.server?.close();
  }
}

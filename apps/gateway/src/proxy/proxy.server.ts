import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ListenAddress, formatListen, guardListener } from '@tether/config';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { InternalAuth } from '../auth/internal-auth';
import { RequestLedger } from '../requests/request-ledger';
import { DeviceRouter } from '../routing/device-router.service';
import { forwardResolver } from './forward.resolver';
import type { ProxyContext } from './proxy-context';
import { createProxyContext } from './proxy-context.factory';
import { ProxyListener } from './proxy.listener';
import type { RequestResolver } from './request-plan';

/**
 * listen_user: the HTTP forward proxy (`curl -x`). A raw TCP server: each user connection is a
 * ProxyConnection that parses request heads, routes them to the edge holding the device and relays
 * bytes both ways; errors answer in the O3C `Request failed.` form.
 */
@Injectable()
export class ProxyServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener?: ProxyListener;
  private readonly log;
  /** The forward proxy's context; other listeners (shortcuts) take it with their own resolver. */
  readonly context: ProxyContext;

  constructor(
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
    router: DeviceRouter,
    ledger: RequestLedger,
    auth: InternalAuth,
  ) {
    this.log = deps.logger.child('user');
    const live = deps.live;
    this.context = createProxyContext(deps, { router, ledger, auth }, this.log, forwardResolver(() => live.current));
  }

  /** The same routing, ledger, internal authentication and limits, with another way to resolve requests. */
  contextWith(resolve: RequestResolver, log: ProxyContext['log'] = this.context.log): ProxyContext {
    return { ...this.context, resolve, log };
  }

  address(): ListenAddress | null {
    return this.listener?.address() ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_user;
    if (!listen) return;
    const c = this.deps.config;
    guardListener('listen_user', listen, 'user_credentials', c);
    this.listener = new ProxyListener(this.context);
    await this.listener.listen(listen);
    this.log.notice(`listen_user on ${formatListen(this.address())}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listener?.close();
  }
}

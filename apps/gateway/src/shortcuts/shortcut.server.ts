import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ListenAddress, formatListen } from '@tether/config';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { ProxyListener } from '../proxy/proxy.listener';
import { ProxyServer } from '../proxy/proxy.server';
import { shortcutResolver } from './shortcut.resolver';

/**
 * listen_user_ext: the shortcut interface (reference 3.6). The same connection machinery as the
 * forward proxy; only the resolution differs: the device, path and query come from the shortcut
 * (cookie `o3c-shortcut-id` or `/o3c-shortcut/<serverid>/<token>`), never from the request. Public by
 * design: the unguessable, expiring token is the authentication, so no listener guard.
 */
@Injectable()
export class ShortcutServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener?: ProxyListener;
  private readonly log;

  constructor(
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
    private readonly proxy: ProxyServer,
  ) {
    this.log = deps.logger.child('shortcut');
  }

  address(): ListenAddress | null {
    return this.listener?.address() ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_user_ext;
    if (!listen) return;
    const live = this.deps.live;
    const resolve = shortcutResolver({
      store: this.deps.shortcuts,
      credentials: () => live.current.credentials,
      onStoreError: (err) => this.log.error(`shortcut store unreachable: ${err.message}`),
    });
    // The forward proxy's routing, request ledger, internal authentication and limits; only resolution differs.
    this.listener = new ProxyListener(this.proxy.contextWith(resolve, this.log));
    await this.listener.listen(listen);
    this.log.notice(`listen_user_ext on ${formatListen(this.address())}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.listener?.close();
  }
}

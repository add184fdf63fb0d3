import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as net from 'node:net';
import { ListenAddress, boundAddress, formatListen, listenOn } from '@tether/config';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { ProxyConnection } from '../proxy';
import { ProxyServer } from '../proxy/proxy.server';
import { shortcutResolver } from './shortcut.resolver';

/** An idle user connection is closed after this long, as on listen_user. */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * listen_user_ext: the shortcut interface (reference 3.6). The same connection machinery as the
 * forward proxy; only the resolution differs: the device, path and query come from the shortcut
 * (cookie `o3c-shortcut-id` or `/o3c-shortcut/<serverid>/<token>`), never from the request. Public by
 * design: the unguessable, expiring token is the authentication, so no listener guard.
 */
@Injectable()
export class ShortcutServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly log;

  constructor(
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
    private readonly proxy: ProxyServer,
  ) {
    this.log = deps.logger.child('shortcut');
  }

  address(): ListenAddress | null {
    return boundAddress(this.server);
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
    const ctx = this.proxy.contextWith(resolve, this.log);
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.setTimeout(IDLE_TIMEOUT_MS);
      new ProxyConnection(socket, ctx);
    });
    await listenOn(this.server, listen);
    this.log.notice(`listen_user_ext on ${formatListen(this.address())}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }
}

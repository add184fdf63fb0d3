import * as net from 'node:net';
import { ListenAddress, boundAddress, listenOn } from '@tether/config';
import { ProxyConnection } from './proxy.connection';
import type { ProxyContext } from './proxy-context';

/** An idle user connection is closed after this long, as node:http's keepAliveTimeout would. */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * A raw TCP listener whose every connection is a ProxyConnection on one context (the forward proxy's,
 * or the shortcut interface's): the listeners differ only in how requests resolve. Keeps its sockets
 * so shutdown ends them.
 */
export class ProxyListener {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly ctx: ProxyContext) {}

  async listen(at: ListenAddress): Promise<void> {
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.sockets.add(socket);
      // Bytes are counted by the connection as they pass (ctx.onBytes), so long streams show while they run.
      socket.on('close', () => this.sockets.delete(socket));
      socket.setTimeout(IDLE_TIMEOUT_MS);
      new ProxyConnection(socket, this.ctx);
    });
    await listenOn(this.server, at);
  }

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }
}

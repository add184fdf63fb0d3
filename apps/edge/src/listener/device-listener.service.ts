import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as tls from 'node:tls';
import { Connection, Server as SshServer, utils as sshUtils } from 'ssh2';
import { ListenAddress, boundAddress, formatListen, listenOn } from '@tether/config';
import { normalizeMac } from '@tether/protocol';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { DeviceRegistry } from '../sessions/device-registry.service';
import { DeviceSession } from '../sessions/device-session';
import { deviceHandshake } from './device-handshake';
import { deviceTlsOptions } from './tls-options';

interface Arrival {
  mac: string;
  srcaddr: string;
  socket: tls.TLSSocket;
  at: number;
}

/** Cipher order measured fastest with ssh2's native binding (AES-GCM uses AES-NI). */
const SSH_CIPHERS = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr'];

/** ssh2's ed25519 keygen drops a leading zero byte about 1 time in 256 (mscdex/ssh2#1513): keep the first key that parses. */
function hostKey(): string {
  for (let i = 0; i < 8; i++) {
    const key = sshUtils.generateKeyPairSync('ed25519').private;
    if (!(sshUtils.parseKey(key) instanceof Error)) return key;
  }
  throw new Error('could not generate an SSH host key');
}

/**
 * listen_client: TLS with client certificates, then an SSH server inside each TLS stream. The
 * device's MAC comes from its certificate; the SSH user must carry the same MAC.
 */
@Injectable()
export class DeviceListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: tls.Server;
  private ssh?: SshServer;
  private readonly arrivals = new WeakMap<object, Arrival>();
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    private readonly registry: DeviceRegistry,
  ) {
    this.log = deps.logger.child('client');
  }

  /** The bound address (port 0 in tests picks a free one). */
  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_client;
    if (!listen) return;
    const keepaliveMs = this.deps.config.keepalive * 1000;
    this.ssh = new SshServer(
      {
        hostKeys: [hostKey()],
        keepaliveInterval: keepaliveMs,
        keepaliveCountMax: 3,
        algorithms: { cipher: SSH_CIPHERS as never },
      },
      (conn: Connection) => this.onSsh(conn),
    );
    this.server = tls.createServer(deviceTlsOptions(this.deps.config), (socket) => this.onSecure(socket));
    this.server.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
      const reason = /certificate|CERT|alert/i.test(err.message) ? 'bad_certificate' : 'tls_error';
      this.deps.metrics.deviceHandshake(reason);
      // The socket may already be gone, and with it its address.
      const from = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'a client';
      this.log.warn(`TLS handshake from ${from} failed: ${err.message}`);
    });
    await listenOn(this.server, listen);
    this.log.notice(`listen_client on ${formatListen(this.address())}`);
  }

  private onSecure(socket: tls.TLSSocket): void {
    const srcaddr = `${socket.remoteAddress}:${socket.remotePort}`;
    // First, always: the TLS options do not reject unverified client certificates themselves.
    if (!socket.authorized) {
      // Without a certificate node still reports an issuer error; say what really happened.
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      const why = presented ? String(socket.authorizationError ?? 'not trusted') : 'none presented';
      this.deps.metrics.deviceHandshake('bad_certificate');
      this.log.warn(`TLS handshake from ${srcaddr} failed: client certificate rejected (${why})`);
      socket.destroy();
      return;
    }
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const mac = normalizeMac(Array.isArray(cn) ? cn[0] : (cn ?? ''));
    if (!mac) {
      this.deps.metrics.deviceHandshake('bad_certificate');
      this.log.warn(`refused ${srcaddr}: certificate subject CN "${cn}" is not a MAC address`);
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.deps.config.keepalive * 1000);
    socket.on('error', () => undefined);
    this.arrivals.set(socket, { mac, srcaddr, socket, at: this.deps.clock.now() });
    this.ssh!.injectSocket(socket);
  }

  private onSsh(conn: Connection): void {
    // ssh2 does not hand the socket to 'connection'; its Client keeps it as _sock.
    const arrival = this.arrivals.get((conn as unknown as { _sock: object })._sock);
    if (!arrival) {
      conn.end();
      return;
    }
    const ctx = { client: `?.${arrival.mac}@${arrival.srcaddr}` };
    deviceHandshake(conn, arrival.mac, this.deps.clock, 15_000).then(
      ({ hello, control }) => {
        const session = new DeviceSession({
          mac: arrival.mac,
          ssh: conn,
          socket: arrival.socket,
          control,
          hello,
          srcaddr: arrival.srcaddr,
          connectedAt: arrival.at,
          clock: this.deps.clock,
          logger: this.log,
        });
        this.deps.metrics.deviceHandshake('ok');
        this.registry.accept(session).catch((err: Error) => {
          this.log.error(`could not register device: ${err.message}`, session.logCtx);
          session.close('presence unavailable');
        });
      },
      (err: Error) => {
        this.deps.metrics.deviceHandshake('mac_mismatch');
        this.log.warn(`refused: ${err.message}`, ctx);
        conn.end();
        arrival.socket.destroy();
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Not awaited: sockets still in their handshake would hold close() open; the process is ending.
    this.server?.close();
  }
}

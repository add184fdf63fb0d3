import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Connection, Server as SshServer } from 'ssh2';
import { ListenAddress, boundAddress, formatListen } from '@tether/config';
import { HandshakeError, coalesceWrites, deviceHandshake, normalizeMac, tunnelHostKey } from '@tether/protocol';
import { deviceTlsOptions, peerCommonName } from '@tether/pki';
import { CrlService } from '../crl/crl.service';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { ClientHelloGate } from '../notifications/client-hello.gate';
import { EdgeNotifier } from '../notifications/edge-notifier.service';
import { DeviceRegistry } from '../sessions/device-registry.service';
import { DeviceSession } from '../sessions/device-session';
import { AdmissionGate } from './admission.gate';
import { dropStderr, trimFinishedKex } from './ssh-state.trim';

interface Arrival {
  mac: string;
  srcaddr: string;
  socket: tls.TLSSocket;
  at: number;
  /** Frees the device's handshake slot (admission). */
  release: () => void;
}

/** Cipher order measured fastest with ssh2's native binding (AES-GCM uses AES-NI). */
const SSH_CIPHERS = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr'];
/** The kernel caps it at net.core.somaxconn; Node's default (511) overflows when a fleet reconnects at once. */
const LISTEN_BACKLOG = 4096;
/**
 * The edge's SSH keepalive interval is this times `keepalive`: the devices' keepalives (every `keepalive` s)
 * reset its timer, so normally only theirs flow and the edge merely answers; with its own every
 * 1.5 × keepalive and two missed, a silent device is dropped after about 3 × keepalive.
 */
const EDGE_KEEPALIVE_FACTOR = 1.5;
const EDGE_KEEPALIVE_MISSES = 2;
/** TLS (15 s) and SSH + hello (15 s) time out by themselves; a slot never outlives both, whatever is missed. */
const SLOT_MAX_MS = 35_000;

const ignore = () => undefined;

/**
 * listen_client: TLS with client certificates, then an SSH server inside each TLS stream. The
 * device's MAC comes from its certificate; the SSH user must carry the same MAC. New TCP connections
 * pass an admission gate first: a bounded number of handshakes run at once, the rest wait (paused,
 * unread) and are closed if they waited longer than client_handshake_queue_timeout.
 */
@Injectable()
export class DeviceListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: net.Server;
  private tlsServer?: tls.Server;
  private ssh?: SshServer;
  private gate?: AdmissionGate<net.Socket>;
  private readonly arrivals = new WeakMap<object, Arrival>();
  private readonly releases = new WeakMap<net.Socket, () => void>();
  private lastDropLog = 0;
  private droppedLogged = 0;
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    private readonly registry: DeviceRegistry,
    @Optional() private readonly helloGate?: ClientHelloGate,
    @Optional() private readonly notifier?: EdgeNotifier,
    @Optional() private readonly crl?: CrlService,
  ) {
    this.log = deps.logger.child('client');
  }

  /** The bound address (port 0 in tests picks a free one). */
  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  /** Handshakes in progress and connections waiting for one (diagnosis, tests). */
  admission(): { active: number; waiting: number; dropped: number } {
    return { active: this.gate?.active ?? 0, waiting: this.gate?.waiting ?? 0, dropped: this.gate?.dropped ?? 0 };
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config, clock } = this.deps;
    const listen = config.listen_client;
    if (!listen) return;
    this.ssh = new SshServer(
      {
        hostKeys: [tunnelHostKey()],
        keepaliveInterval: config.keepalive * 1000 * EDGE_KEEPALIVE_FACTOR,
        keepaliveCountMax: EDGE_KEEPALIVE_MISSES,
        algorithms: { cipher: SSH_CIPHERS as never },
      },
      (conn: Connection) => this.onSsh(conn),
    );
    // Never listens itself: the admission gate hands it the TCP connections it admits.
    this.tlsServer = tls.createServer(deviceTlsOptions(config), (socket) => this.onSecure(socket));
    this.tlsServer.on('tlsClientError', (err: Error & { code?: string }, socket: tls.TLSSocket) => {
      // A TLS socket that failed (handshake timeout, say) does not always close the TCP socket it wraps.
      this.releaseOf(socket)();
      const reason = /certificate|CERT|alert/i.test(err.message) ? 'bad_certificate' : 'tls_error';
      this.deps.metrics.deviceHandshake(reason);
      // The socket may already be gone, and with it its address.
      const from = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'a client';
      this.log.warn(`TLS handshake from ${from} failed: ${err.message}`);
    });
    this.gate = new AdmissionGate<net.Socket>({
      concurrency: config.client_handshake_concurrency,
      maxWaitMs: config.client_handshake_queue_timeout * 1000,
      clock,
      gone: (s) => s.destroyed,
      start: (s, release) => this.admit(s, release),
      drop: (s) => {
        this.deps.metrics.deviceHandshake('timeout'); // waited too long for a handshake slot
        s.destroy();
        this.reportDrops();
      },
    });
    this.server = net.createServer({ pauseOnConnect: true }, (s) => {
      s.on('error', ignore);
      this.gate!.offer(s);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen({ port: listen.port, host: listen.host, backlog: LISTEN_BACKLOG }, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    this.log.notice(`listen_client on ${formatListen(this.address())}`);
    this.notifier?.serverUp();
  }

  /**
   * Admitted: TLS starts now; the slot is held until the device is registered or refused, or either socket
   * closes, or TLS fails; SLOT_MAX_MS at most in any case (a leaked slot would shrink the gate for good).
   */
  private admit(socket: net.Socket, releaseSlot: () => void): void {
    const watchdog = this.deps.clock.setTimeout(() => release(), SLOT_MAX_MS);
    // Its listener goes with it: a registered device's socket lives on, and the listener would hold the watchdog.
    const release = () => {
      this.deps.clock.clearTimeout(watchdog);
      socket.off('close', release);
      this.releases.delete(socket);
      releaseSlot();
    };
    socket.once('close', release);
    // Every handshake message is small and answered: Nagle would hold each behind the peer's delayed ACK.
    socket.setNoDelay(true);
    this.releases.set(socket, release);
    this.tlsServer!.emit('connection', socket);
    socket.resume();
  }

  /** One summary per 10 s at most: a storm drops thousands. */
  private reportDrops(): void {
    const now = this.deps.clock.now();
    if (now - this.lastDropLog < 10_000) return;
    const n = this.gate!.dropped - this.droppedLogged;
    this.lastDropLog = now;
    this.droppedLogged = this.gate!.dropped;
    this.log.warn(
      `admission: closed ${n} device connection(s) that waited more than ${this.deps.config.client_handshake_queue_timeout} s for a handshake slot (${this.gate!.waiting} waiting, ${this.gate!.active} in progress)`,
    );
  }

  /** The slot release of the TCP socket a TLS socket wraps (a no-op when there is none). */
  private releaseOf(socket: tls.TLSSocket): () => void {
    const raw = (socket as unknown as { _parent?: net.Socket })._parent;
    return (raw && this.releases.get(raw)) ?? ignore;
  }

  private onSecure(socket: tls.TLSSocket): void {
    const srcaddr = `${socket.remoteAddress}:${socket.remotePort}`;
    const releaseSlot = this.releaseOf(socket);
    const release = () => {
      socket.off('close', release);
      releaseSlot();
    };
    socket.once('close', release);
    // First, always: the TLS options do not reject unverified client certificates themselves.
    if (!socket.authorized) {
      // Without a certificate node still reports an issuer error; say what really happened.
      const presented = !!socket.getPeerX509Certificate();
      const why = presented ? String(socket.authorizationError ?? 'not trusted') : 'none presented';
      this.deps.metrics.deviceHandshake('bad_certificate');
      this.log.warn(`TLS handshake from ${srcaddr} failed: client certificate rejected (${why})`);
      socket.destroy();
      release();
      return;
    }
    const cn = peerCommonName(socket);
    const mac = normalizeMac(cn);
    if (!mac) {
      this.deps.metrics.deviceHandshake('bad_certificate');
      this.log.warn(`refused ${srcaddr}: certificate subject CN "${cn}" is not a MAC address`);
      socket.destroy();
      release();
      return;
    }
    if (this.crl && !this.crl.admits(socket, mac, srcaddr)) {
      socket.destroy();
      release();
      return;
    }
    socket.setKeepAlive(true, this.deps.config.keepalive * 1000);
    socket.on('error', ignore);
    this.arrivals.set(socket, { mac, srcaddr, socket, at: this.deps.clock.now(), release });
    coalesceWrites(socket);
    this.ssh!.injectSocket(socket);
  }

  private onSsh(conn: Connection): void {
    // ssh2 does not hand the socket to 'connection'; its Client keeps it as _sock.
    const arrival = this.arrivals.get((conn as unknown as { _sock: object })._sock);
    if (!arrival) {
      conn.end();
      return;
    }
    this.arrivals.delete(arrival.socket);
    const ctx = { client: `?.${arrival.mac}@${arrival.srcaddr}` };
    deviceHandshake(conn, arrival.mac, this.deps.clock, 15_000).then(
      ({ hello, control }) => {
        trimFinishedKex(conn);
        dropStderr(control);
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
        if (this.crl && !this.crl.watch(session, arrival.socket)) return arrival.release();
        this.deps.metrics.deviceHandshake('ok');
        if (arrival.socket.isSessionReused()) this.deps.metrics.deviceTlsResumed();
        // client_hello first: the device is claimed (presence, status.cgi) only once the receivers accept it.
        const admitted = this.helloGate ? this.helloGate.admit(session) : Promise.resolve(true);
        admitted.then((ok) => (ok ? this.registry.accept(session) : undefined)).then(arrival.release, (err: Error) => {
          arrival.release();
          this.log.error(`could not register device: ${err.message}`, session.logCtx);
          session.close('presence unavailable');
        });
      },
      (err: Error) => {
        arrival.release();
        this.deps.metrics.deviceHandshake(err instanceof HandshakeError ? err.result : 'refused');
        this.log.warn(`refused: ${err.message}`, ctx);
        conn.end();
        arrival.socket.destroy();
      },
    );
  }

  /**
   * The drain: no new device connection (refused by the kernel once the socket is closed, so a device
   * moves on to the next server of its list; a Kubernetes readiness probe on this port fails). Connections
   * already accepted go on.
   */
  stopAccepting(): void {
    this.gate?.close();
    this.server?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    // Devices still waiting for a handshake slot are closed: they must not be admitted by an edge that stops.
    this.gate?.close();
    // Not awaited: sockets still in their handshake would hold close() open; the process is ending.
    this.server?.close();
  }
}

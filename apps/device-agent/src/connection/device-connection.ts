import * as tls from 'node:tls';
import * as net from 'node:net';
import { Client as SshClient, ClientChannel } from 'ssh2';
import {
  CONTROL_SUBSYSTEM,
  ControlDecoder,
  EdgeMessage,
  FORWARD_BIND_ADDR,
  FORWARD_BIND_PORT,
  PROTOCOL_VERSION,
  SERVER_CERT_OU,
  encodeControl,
  formatConnectionId,
  coalesceWrites,
} from '@tether/protocol';
import type { Clock, Logger } from '@tether/telemetry';
import type { ChannelTarget } from '../target/channel-target';
import { AttemptError, statusLine } from './failure-status';
import { Backoff, splitHostPort } from './backoff';
import { withoutPeerCertificate } from './tls-session';

export interface DeviceIdentity {
  mac: string;
  certPem: string;
  keyPem: string;
}

export interface DeviceConnectionOptions {
  identity: DeviceIdentity;
  caPem: string;
  servers: string[];
  maxConn: number;
  firmware: string;
  /** Owner authentication key, sent in hello while the device is in factory state (a dispatcher reads it). */
  oak?: string;
  target: ChannelTarget;
  clock: Clock;
  logger: Logger;
  keepaliveMs: number;
  connectTimeoutMs: number;
  /** After a working connection ends, wait a random time in [0, this] before reconnecting. */
  reconnectJitterMs: number;
  backoff: Backoff;
  /** Called when the device "restarts" (restart command); resolves when it is up again. */
  onRestart?(): Promise<void>;
  onServersChanged?(servers: string[]): void;
  /** A dispatcher registered the device to a provider: it now trusts the provider CA and serves its servers. */
  onProvisioned?(servers: string[]): void;
  /** Provisioned before (a restart with its saved state): failing servers send it back to `home`. */
  provisioned?: boolean;
  /** The dispatcher a factory device started with (servers and the CA of its certificate): asked again once provisioned servers stop answering. */
  home?: { servers: string[]; caPem: string };
  onState?(state: 'connected' | 'disconnected', server: string): void;
}

/** Passes over a provisioned device's list that fail in a row before it asks its dispatcher again. */
const PASSES_BEFORE_HOME = 3;

/** Cipher order measured fastest with ssh2's native binding (AES-GCM uses AES-NI). */
const SSH_CIPHERS = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr'];
/**
 * Key exchange: P-256 ECDH first. ssh2's X25519 path builds key objects from DER on both sides
 * (~200 µs per side per connection against ~130 µs, measured); the client's order decides.
 */
const SSH_KEX = ['ecdh-sha2-nistp256', 'curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group14-sha256'];

/** How long a connection left behind by a redirect may go on serving what it carries (the server normally closes it first). */
const LINGER_MS = 120_000;

/** One TLS + SSH connection to a server. */
interface Conn {
  socket?: net.Socket;
  ssh?: SshClient;
  close(): void;
  /** Make-before-break: the device goes on to its next server; this connection stays until the server closes it. */
  detach(): void;
}

/**
 * One device's O3C client: walks its server list in order, holds one TLS+SSH connection, serves
 * the channels the server opens, obeys commands, and reconnects with jittered backoff.
 */
export class DeviceConnection {
  servers: string[];
  /** The CA server certificates must chain to: the dispatcher's in factory state, the provider's once provisioned. */
  private caPem: string;
  /** Successful connections since (virtual) restart: the `count` of `count.mac`. */
  count = 1;
  private running = false;
  private current?: Conn;
  /** Connections a redirect left behind, finishing their requests while the new one is made. */
  private readonly lingering = new Set<Conn>();
  private redirectTo?: string;
  private wake?: () => void;
  /**
   * The last TLS session any server of the list gave us: offered to whichever server comes next. The
   * edges derive their ticket keys alike, so after a failover the device resumes on the next edge too
   * (neither side verifies a chain or signs again).
   */
  private tlsSession?: Buffer;
  private secureContext?: tls.SecureContext;
  /** Set once a dispatcher sent `provision`. */
  private provisioned: boolean;
  /** `provision` messages obeyed (askHome tells whether its visit brought one). */
  private provisions = 0;
  /** Passes over the provider's list that failed in a row. */
  private failedPasses = 0;
  private readonly log: Logger;
  connectedTo?: string;

  constructor(private readonly o: DeviceConnectionOptions) {
    this.servers = [...o.servers];
    this.caPem = o.caPem;
    this.provisioned = o.provisioned ?? false;
    this.log = o.logger;
  }

  get mac(): string {
    return this.o.identity.mac;
  }

  /** The CA it trusts now (what a restart must trust again). */
  get trustedCa(): string {
    return this.caPem;
  }

  get isProvisioned(): boolean {
    return this.provisioned;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.drop();
    this.dropLingering();
    this.wake?.();
  }

  /** Closes the current connection (the loop reconnects). */
  drop(): void {
    this.current?.close();
  }

  private dropLingering(): void {
    for (const c of [...this.lingering]) c.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.o.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.o.clock.clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let served = false;
      const order = this.redirectTo ? [this.redirectTo, ...this.servers.filter((s) => s !== this.redirectTo)] : this.servers;
      this.redirectTo = undefined;
      for (const server of order) {
        if (!this.running) return;
        try {
          await this.session(server);
          served = true;
          break;
        } catch (err) {
          if (!this.running) return;
          this.log.warn(statusLine(this.mac, server, err as Error));
          // Redirected before being accepted (the server's client_hello): go there now, not down the list.
          if (this.redirectTo) break;
        }
      }
      if (!this.running) return;
      if (served) this.failedPasses = 0;
      else if (this.provisioned && this.o.home && ++this.failedPasses >= PASSES_BEFORE_HOME) {
        this.failedPasses = 0;
        // A new list from the dispatcher is a fresh start; otherwise the backoff keeps growing, so a provider
        // outage does not turn into a loop through the dispatcher.
        if (await this.askHome()) served = true;
        if (!this.running) return;
      }
      if (served) {
        this.o.backoff.reset();
        await this.sleep(this.redirectTo ? 0 : Math.floor(Math.random() * this.o.reconnectJitterMs));
      } else if (!this.redirectTo) {
        await this.sleep(this.o.backoff.next());
      }
    }
  }

  /**
   * A provisioned device none of whose servers answers goes back to its dispatcher (as a real one would after
   * its provider moved): a registered device is provisioned again with the account's current list. True when
   * it was; otherwise the provider's list and CA are restored (an unregistered device is held at the dispatcher
   * until that connection ends).
   */
  private async askHome(): Promise<boolean> {
    const home = this.o.home!;
    const provider = { servers: this.servers, caPem: this.caPem };
    const before = this.provisions;
    this.log.notice(`${this.mac}: none of ${this.servers.join(',')} answered; asking the dispatcher ${home.servers.join(',')} again`);
    this.trust(home.caPem);
    for (const server of home.servers) {
      if (!this.running) break;
      try {
        await this.session(server);
        break;
      } catch (err) {
        if (this.running) this.log.warn(statusLine(this.mac, server, err as Error));
      }
    }
    if (this.provisions !== before) return true;
    this.servers = provider.servers;
    this.trust(provider.caPem);
    return false;
  }

  /** The CA server certificates must chain to from now on; the TLS context and session of the old one go. */
  private trust(caPem: string): void {
    this.caPem = caPem;
    this.secureContext = undefined;
    this.tlsSession = undefined;
  }

  /** One connection to `server`; resolves when an accepted connection ends, rejects if it never was. */
  private session(server: string): Promise<void> {
    const { host, port } = splitHostPort(server);
    return new Promise((resolve, reject) => {
      let accepted = false;
      let settled = false;
      let detached = false;
      let linger: unknown;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        this.o.clock.clearTimeout(timer);
        if (linger !== undefined) this.o.clock.clearTimeout(linger);
        conn.close();
        if (this.current === conn) this.current = undefined;
        this.lingering.delete(conn);
        if (accepted) {
          // The counterpart of "connected to": without it an operator cannot tell when a device dropped.
          this.log.notice(`${this.mac}: disconnected from ${server}${err ? `: ${err.message}` : ''}`);
          if (detached) return; // the device has moved on already
          this.connectedTo = undefined;
          this.o.onState?.('disconnected', server);
          this.count++;
          resolve();
        } else reject(err ?? new AttemptError('not-registered', 'closed before the server accepted the device'));
      };
      const timer = this.o.clock.setTimeout(
        () => finish(new AttemptError(accepted ? 'other' : 'timeout', 'timed out connecting')),
        this.o.connectTimeoutMs,
      );

      // TCP first, TLS only once the server answered: trying a dead server of the list (connection refused)
      // then costs no TLS state, which in a reconnect storm is every device's first attempt.
      const raw = net.connect({ host, port, noDelay: true });
      const conn: Conn = {
        close: () => {
          conn.ssh?.end();
          conn.socket?.destroy();
          raw.destroy();
        },
        detach: () => {
          if (!accepted || detached || settled) return;
          detached = true;
          this.count++;
          if (this.current === conn) this.current = undefined;
          this.lingering.add(conn);
          linger = this.o.clock.setTimeout(() => conn.close(), LINGER_MS);
          resolve();
        },
      };
      this.current = conn;
      raw.on('error', (err) => finish(err));
      raw.on('close', () => finish());
      raw.once('connect', () => {
        if (settled) return;
        const socket = this.startTls(raw, host);
        conn.socket = socket;
        socket.on('error', (err) => finish(err));
        socket.on('close', () => finish());
        socket.once('secureConnect', () => {
          this.startSsh(conn, socket, server, finish, () => {
            accepted = true;
            this.o.clock.clearTimeout(timer);
          });
        });
      });
    });
  }

  private startTls(raw: net.Socket, host: string): tls.TLSSocket {
    // One secure context per device: building it parses key, certificate and CA, and in a reconnect
    // storm that was most of the agents' CPU (measured by the fleet bench).
    this.secureContext ??= tls.createSecureContext({ cert: this.o.identity.certPem, key: this.o.identity.keyPem, ca: this.caPem });
    const socket = tls.connect({
      socket: raw,
      secureContext: this.secureContext,
      servername: net.isIP(host) ? undefined : host,
      // A server that cannot resume it (other keys, expired) just does a full handshake.
      session: this.tlsSession,
      checkServerIdentity: (h, cert) => {
        const err = tls.checkServerIdentity(h, cert);
        if (err) return err;
        const ou = cert.subject?.OU;
        const ous = Array.isArray(ou) ? ou : ou ? [ou] : [];
        if (!ous.includes(SERVER_CERT_OU))
          return new AttemptError('other', `server certificate lacks OU=${SERVER_CERT_OU}`) as Error;
        return undefined;
      },
    });
    // Only a session of a connection that passed every check above is kept: a resumed one is not checked again.
    let verified = false;
    let pending: Buffer | undefined;
    socket.on('session', (sess: Buffer) => {
      if (verified) this.tlsSession = withoutPeerCertificate(sess);
      else pending = sess;
    });
    socket.once('secureConnect', () => {
      verified = true;
      if (pending) this.tlsSession = withoutPeerCertificate(pending);
    });
    return socket;
  }

  /** SSH inside TLS: forwarding, the control channel and hello; `onAccepted` once the server says so. */
  private startSsh(conn: Conn, socket: tls.TLSSocket, server: string, finish: (err?: Error) => void, onAccepted: () => void): void {
    const ssh = new SshClient();
    conn.ssh = ssh;
    ssh.on('error', (err) => finish(err));
    ssh.on('close', () => finish());
    ssh.on('tcp connection', (_info, accept) => this.o.target.serve(accept()));
    ssh.on('ready', () => {
      ssh.forwardIn(FORWARD_BIND_ADDR, FORWARD_BIND_PORT, (err) => {
        if (err) return finish(new AttemptError('not-registered', `forwarding refused: ${err.message}`));
        ssh.subsys(CONTROL_SUBSYSTEM, (err2, control) => {
          if (err2) return finish(new AttemptError('not-registered', `control channel refused: ${err2.message}`));
          this.control(conn, control, server, () => {
            onAccepted();
            this.connectedTo = server;
            this.o.onState?.('connected', server);
            this.log.notice(`${this.mac}: connected to ${server} as ${formatConnectionId({ count: this.count, mac: this.mac })}`);
          });
        });
      });
    });
    coalesceWrites(socket);
    ssh.connect({
      sock: socket,
      username: formatConnectionId({ count: this.count, mac: this.mac }),
      hostVerifier: () => true, // the server was authenticated by TLS (provider CA + OU)
      keepaliveInterval: this.o.keepaliveMs,
      keepaliveCountMax: 3,
      readyTimeout: this.o.connectTimeoutMs,
      algorithms: { cipher: SSH_CIPHERS as never, kex: SSH_KEX as never },
    });
  }

  private control(conn: Conn, ch: ClientChannel, server: string, onAccepted: () => void): void {
    const decoder = new ControlDecoder<EdgeMessage>();
    ch.write(
      encodeControl({
        type: 'hello',
        id: formatConnectionId({ count: this.count, mac: this.mac }),
        protocolVersion: PROTOCOL_VERSION,
        maxConn: this.o.maxConn,
        servers: this.servers,
        firmware: this.o.firmware,
        // Always: the dispatcher records what each hello carries, also when a provisioned device comes back.
        ...(this.o.oak ? { oak: this.o.oak } : {}),
      }),
    );
    ch.on('data', (chunk: Buffer) => {
      for (const msg of decoder.push(chunk)) {
        switch (msg.type) {
          case 'accepted':
            onAccepted();
            break;
          case 'redirect': {
            const known = this.servers.includes(msg.server);
            ch.write(encodeControl({ type: 'result', command: 'redirect', ok: true, detail: known ? 'OK' : 'OK (not in server list, staying)' }));
            if (known && msg.server !== server) {
              // Make-before-break: this connection goes on serving the requests it carries until the
              // server closes it, which it does once the new connection has taken over.
              this.log.notice(`${this.mac}: redirected to ${msg.server}`);
              this.redirectTo = msg.server;
              conn.detach();
            }
            break;
          }
          case 'reconnect':
            ch.write(encodeControl({ type: 'result', command: 'reconnect', ok: true, detail: 'OK' }));
            conn.close(); // this connection: one a redirect left behind is not the device's current one
            break;
          case 'restart':
            ch.write(encodeControl({ type: 'result', command: 'restart', ok: true, detail: 'OK' }));
            void this.restart();
            break;
          case 'provision':
            // Only the dispatcher may hand the device (and the CA it trusts) to a provider; a provider's server may not.
            if (!this.o.home?.servers.includes(server)) {
              ch.write(encodeControl({ type: 'result', command: 'provision', ok: false, detail: 'provision is accepted only from the dispatcher' }));
              this.log.warn(`${this.mac}: ignored provision from ${server}: not its dispatcher`);
              break;
            }
            ch.write(encodeControl({ type: 'result', command: 'provision', ok: true, detail: 'OK' }));
            this.provision(msg.servers, msg.caPem);
            break;
          case 'set-servers':
            this.servers = [...msg.servers];
            this.o.onServersChanged?.(this.servers);
            ch.write(encodeControl({ type: 'result', command: 'set-servers', ok: true, detail: 'OK' }));
            break;
        }
      }
    });
  }

  /**
   * The dispatcher's reconfiguration of a factory device: new server list and CA (the old TLS context and
   * session belong to the dispatcher), then a reconnect, which walks the new list.
   */
  private provision(servers: string[], caPem: string): void {
    this.servers = [...servers];
    this.trust(caPem);
    this.provisioned = true;
    this.provisions++;
    this.log.notice(`${this.mac}: provisioned by the dispatcher, servers ${servers.join(',')}`);
    this.o.onProvisioned?.(this.servers);
    this.drop();
  }

  /** A virtual reboot: drop the connection, wait for the device to come back, count starts over. */
  async restart(): Promise<void> {
    this.log.notice(`${this.mac}: restarting`);
    this.running = false;
    this.drop();
    this.dropLingering();
    await (this.o.onRestart?.() ?? this.sleep(1000));
    this.count = 1;
    this.start();
  }
}

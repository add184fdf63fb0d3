import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as tls from 'node:tls';
import { Connection, Server as SshServer, ServerChannel } from 'ssh2';
import { ListenAddress, boundAddress, formatListen, listenOn } from '@tether/config';
import { deviceTlsOptions, normalizeSerial, peerCommonName } from '@tether/pki';
import { Mac, deviceHandshake, encodeControl, normalizeMac, tunnelHostKey } from '@tether/protocol';
import { DispatcherCore } from '../dispatch/dispatcher.core';
import { DeviceLinks, Provisioning } from '../dispatch/dispatch.service';
import { DISPATCHER_DEPS, DispatcherDeps } from '../dispatcher.deps';

interface Arrival {
  mac: Mac;
  serial: string;
  srcaddr: string;
  socket: tls.TLSSocket;
}

interface Waiting {
  ssh: Connection;
  control: ServerChannel;
  socket: tls.TLSSocket;
}

const ignore = () => undefined;

/**
 * dispatcher_listen: devices in factory state connect here (TLS with their device certificate, SSH inside,
 * hello with their OAK) and wait, connection held open, until a provider registers them; then they are sent
 * `provision` and leave for the provider's servers.
 */
@Injectable()
export class DeviceListener implements DeviceLinks, OnApplicationBootstrap, OnApplicationShutdown {
  private server?: tls.Server;
  private ssh?: SshServer;
  private readonly arrivals = new WeakMap<object, Arrival>();
  private readonly waiting = new Map<Mac, Waiting>();
  private readonly log;

  constructor(
    @Inject(DISPATCHER_DEPS) private readonly deps: DispatcherDeps,
    private readonly core: DispatcherCore,
  ) {
    this.log = deps.logger.child('client');
  }

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  provision(mac: Mac, servers: string[], caPem: string): boolean {
    const w = this.waiting.get(mac);
    if (!w) return false;
    this.send(mac, w, { servers, caPem });
    return true;
  }

  private send(mac: Mac, w: Waiting, p: Provisioning): void {
    w.control.write(encodeControl({ type: 'provision', servers: p.servers, caPem: p.caPem }));
    this.log.notice(`${mac}: provisioned, servers ${p.servers.join(',')}`);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.deps;
    const listen = config.dispatcher_listen!;
    this.core.service.attach(this);
    this.ssh = new SshServer({ hostKeys: [tunnelHostKey()], keepaliveInterval: config.keepalive * 1500, keepaliveCountMax: 2 }, (conn) =>
      this.onSsh(conn),
    );
    this.server = tls.createServer(deviceTlsOptions(config), (socket) => this.onSecure(socket));
    this.server.on('tlsClientError', (err: Error) => this.log.warn(`TLS handshake failed: ${err.message}`));
    await listenOn(this.server, listen);
    this.log.notice(`dispatcher_listen on ${formatListen(this.address())}`);
  }

  private onSecure(socket: tls.TLSSocket): void {
    const srcaddr = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', ignore);
    const cert = socket.getPeerX509Certificate();
    if (!socket.authorized || !cert) {
      this.log.warn(`refused ${srcaddr}: client certificate rejected (${cert ? String(socket.authorizationError) : 'none presented'})`);
      return void socket.destroy();
    }
    const cn = peerCommonName(socket);
    const mac = normalizeMac(cn);
    if (!mac) {
      this.log.warn(`refused ${srcaddr}: certificate subject CN "${cn}" is not a MAC address`);
      return void socket.destroy();
    }
    this.arrivals.set(socket, { mac, serial: normalizeSerial(cert.serialNumber), srcaddr, socket });
    this.ssh!.injectSocket(socket);
  }

  private onSsh(conn: Connection): void {
    const arrival = this.arrivals.get((conn as unknown as { _sock: object })._sock);
    if (!arrival) return void conn.end();
    this.arrivals.delete(arrival.socket);
    const { mac, srcaddr, socket } = arrival;
    deviceHandshake(conn, mac, this.deps.clock, 15_000).then(
      ({ hello, control, decoder }) => {
        const w: Waiting = { ssh: conn, control, socket };
        this.waiting.get(mac)?.ssh.end(); // a newer connection of the same device wins
        this.waiting.set(mac, w);
        const gone = () => {
          if (this.waiting.get(mac) === w) this.waiting.delete(mac);
        };
        conn.on('close', gone);
        conn.on('error', ignore);
        control.on('data', (chunk: Buffer) => {
          try {
            for (const msg of decoder.push(chunk))
              if (msg.type === 'result') this.log.notice(`${mac}: ${msg.command}: ${msg.ok ? 'OK' : 'failed'}${msg.detail ? ` (${msg.detail})` : ''}`);
          } catch (err) {
            this.log.warn(`${mac}: bad control message: ${(err as Error).message}`);
            conn.end();
          }
        });
        control.resume();
        control.write(encodeControl({ type: 'accepted', epoch: '' }));
        const oak = hello.oak ?? '';
        this.log.notice(`${hello.id}@${srcaddr} waiting for registration${oak ? '' : ' (it sent no OAK: it cannot be registered)'}`);
        const provisioning = this.core.service.arrived({ mac, oak, serial: arrival.serial });
        if (provisioning) this.send(mac, w, provisioning);
      },
      (err: Error) => {
        this.log.warn(`refused ${mac}@${srcaddr}: ${err.message}`);
        conn.end();
        socket.destroy();
      },
    );
  }

  onApplicationShutdown(): void {
    for (const w of this.waiting.values()) w.ssh.end();
    this.server?.close();
  }
}

import type { Clock, Logger } from '@tether/telemetry';
import { Backoff } from '../connection/backoff';
import { DeviceConnection, DeviceIdentity } from '../connection/device-connection';
import { DeviceStateStore } from '../connection/device-state.store';
import { ChannelTarget, httpServerTarget, tcpTarget } from '../target/channel-target';
import { CameraAuth, createVirtualCamera, VirtualCamera } from '../virtual-camera';

export interface FleetOptions {
  servers: string[];
  caPem: string;
  identities: DeviceIdentity[];
  /** A real web server for every device, or a virtual camera each. */
  target:
    | { kind: 'tcp'; host: string; port: number }
    | { kind: 'simulate'; password: string; fps: number; auth?: CameraAuth; nonceTtlMs?: number };
  maxConn: number;
  keepaliveMs: number;
  connectTimeoutMs: number;
  reconnectJitterMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Spread the first connections of a large fleet over this many ms. */
  rampMs: number;
  firmware: string;
  /** Owner authentication key of a single device in factory state (hello and root.RemoteService.OAK). */
  oak?: string;
  logger: Logger;
  clock: Clock;
  /** Keep each device's servers, CA and provisioning here across restarts (`--state-dir`). */
  stateDir?: string;
}

/** N devices in one process (`--count`), each with its own connection and, simulated, its own camera. */
export class DeviceFleet {
  readonly devices: DeviceConnection[] = [];
  readonly cameras = new Map<string, VirtualCamera>();
  private readonly timers: unknown[] = [];

  constructor(private readonly o: FleetOptions) {
    const store = o.stateDir ? new DeviceStateStore(o.stateDir) : undefined;
    for (const identity of o.identities) {
      // A restarted device starts where it was: its saved list and CA (a provisioned one the provider's).
      const saved = store?.load(identity.mac);
      const servers = saved?.servers ?? o.servers;
      const persist = () => store?.save(identity.mac, { servers: device.servers, caPem: device.trustedCa, provisioned: device.isProvisioned });
      const device: DeviceConnection = new DeviceConnection({
        identity,
        caPem: saved?.caPem ?? o.caPem,
        servers,
        provisioned: saved?.provisioned,
        maxConn: o.maxConn,
        firmware: o.firmware,
        oak: o.oak,
        // A device with an OAK starts in factory state: its servers and CA are its dispatcher's.
        ...(o.oak ? { home: { servers: o.servers, caPem: o.caPem } } : {}),
        target: this.targetFor(identity.mac, servers, () => device, persist),
        clock: o.clock,
        logger: o.logger,
        keepaliveMs: o.keepaliveMs,
        connectTimeoutMs: o.connectTimeoutMs,
        reconnectJitterMs: o.reconnectJitterMs,
        backoff: new Backoff({ baseMs: o.backoffBaseMs, maxMs: o.backoffMaxMs }),
        onRestart: () => new Promise((r) => o.clock.setTimeout(r, 1000)),
        onServersChanged: (list) => {
          this.cameras.get(identity.mac)?.setServerList(list);
          persist();
        },
        onProvisioned: (list) => {
          this.cameras.get(identity.mac)?.setServerList(list);
          persist();
        },
      });
      this.devices.push(device);
    }
  }

  private targetFor(mac: string, servers: string[], device: () => DeviceConnection, persist: () => void): ChannelTarget {
    const t = this.o.target;
    if (t.kind === 'tcp') return tcpTarget(t.host, t.port);
    const camera = createVirtualCamera({
      mac,
      password: t.password,
      serverList: servers,
      fps: t.fps,
      auth: t.auth,
      nonceTtlMs: t.nonceTtlMs,
      firmware: this.o.firmware,
      oak: this.o.oak,
      onServerListChange: (list) => {
        device().servers = [...list];
        persist();
      },
      onRestart: () => void device().restart(),
    });
    this.cameras.set(mac, camera);
    return httpServerTarget(camera.server);
  }

  start(): void {
    const n = this.devices.length;
    this.devices.forEach((d, i) => {
      const delay = n > 1 ? Math.floor((i / n) * this.o.rampMs) : 0;
      if (!delay) return d.start();
      this.timers.push(this.o.clock.setTimeout(() => d.start(), delay));
    });
  }

  connected(): number {
    return this.devices.filter((d) => d.connectedTo).length;
  }

  stop(): void {
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    for (const d of this.devices) d.stop();
    for (const c of this.cameras.values()) c.close();
  }
}

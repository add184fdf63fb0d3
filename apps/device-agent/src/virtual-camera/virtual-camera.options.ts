import type { Server } from 'node:http';
import { systemClock, type Clock } from '@tether/telemetry';
import { assertServerList } from './server-list';

export interface VirtualCameraOptions {
  /** 12 lower-case hex digits, e.g. '00408c123456'. */
  mac: string;
  /** Default 'root'. */
  user?: string;
  /** Root password; every request needs HTTP Basic or Digest auth with it. */
  password: string;
  /** Initial root.RemoteService.ServerList (host:port entries). */
  serverList: string[];
  /** Default MJPEG frame rate (1-60), default 10. */
  fps?: number;
  /** Default '11.11.0'. */
  firmware?: string;
  /** Default 'AXIS Virtual Camera'. */
  model?: string;
  /** Called when param.cgi changes the server list (not for setServerList()). */
  onServerListChange?(list: string[]): void;
  /** Called after the restart.cgi response has been sent. */
  onRestart?(): void;
  /** Frame timers, nonce ages and uptime; tests pass a fake. */
  clock?: Clock;
}

export interface VirtualCamera {
  /** Not listening: the agent hands it each tunnel stream with server.emit('connection', duplex). */
  readonly server: Server;
  serverList(): string[];
  /** Replaces the list without calling onServerListChange (the caller already knows). */
  setServerList(list: string[]): void;
  /** Total bytes received by the upload endpoint. */
  uploadedBytes(): number;
  /** Ends MJPEG streams, destroys open connections and stops listening if it was. */
  close(): void;
}

/** Options with defaults applied and checked once, so handlers can trust them. */
export interface CameraConfig {
  mac: string;
  user: string;
  password: string;
  fps: number;
  firmware: string;
  model: string;
  clock: Clock;
  /** `AXIS_<MAC upper>`, as real cameras announce. */
  realm: string;
}

export const MAX_FPS = 60;

export function resolveOptions(o: VirtualCameraOptions): CameraConfig {
  if (!/^[0-9a-f]{12}$/.test(o.mac)) throw new RangeError(`mac must be 12 lower-case hex digits, got '${o.mac}'`);
  const fps = o.fps ?? 10;
  if (!Number.isInteger(fps) || fps < 1 || fps > MAX_FPS) throw new RangeError(`fps must be 1-${MAX_FPS}, got ${fps}`);
  assertServerList(o.serverList);
  return {
    mac: o.mac,
    user: o.user ?? 'root',
    password: o.password,
    fps,
    firmware: o.firmware ?? '11.11.0',
    model: o.model ?? 'AXIS Virtual Camera',
    clock: o.clock ?? systemClock,
    realm: `AXIS_${o.mac.toUpperCase()}`,
  };
}

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
  /** Default MJPEG frame rate (1-60), default 10; or UNPACED_FPS (benchmarks only). */
  fps?: number;
  /** Default '11.11.0'. */
  firmware?: string;
  /** Default 'AXIS Virtual Camera'. */
  model?: string;
  /** Owner authentication key, listed as root.RemoteService.OAK (as printed on a real camera's label). */
  oak?: string;
  /** Called when param.cgi changes the server list (not for setServerList()). */
  onServerListChange?(list: string[]): void;
  /** Called after the restart.cgi response has been sent. */
  onRestart?(): void;
  /** Frame timers, nonce ages and uptime; tests pass a fake. */
  clock?: Clock;
  /** Schemes the camera accepts and offers: both (default, like "basic and digest"), or one of them. */
  auth?: CameraAuth;
  /** How long a Digest nonce stays fresh (then `stale=true`); default 10 minutes. */
  nonceTtlMs?: number;
}

export type CameraAuth = 'both' | 'digest' | 'basic';
export const CAMERA_AUTH: readonly CameraAuth[] = ['both', 'digest', 'basic'];

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
  auth: CameraAuth;
  nonceTtlMs: number | undefined;
  /** Empty: the camera has none to show. */
  oak: string;
}

export const MAX_FPS = 60;
/**
 * Benchmarks only (`tether agent --simulate --fps 1000`): every MJPEG stream of the camera sends frames as fast as
 * the reader takes them, from a few frames encoded once, so a throughput test measures the tunnel and not the
 * frame rate or the JPEG encoder. Not accepted as a request's `fps` parameter; the camera reports MAX_FPS.
 */
export const UNPACED_FPS = 1000;

/**
 * The clock is the one setting the MJPEG handler hands to every stream, so an unpaced camera marks its clock
 * (a plain delegate: the wrapped clock keeps its own state).
 */
const UNPACED = Symbol('unpaced MJPEG');

function unpacedClock(c: Clock): Clock {
  return {
    now: () => c.now(),
    setTimeout: (fn, ms) => c.setTimeout(fn, ms),
    clearTimeout: (h) => c.clearTimeout(h),
    setInterval: (fn, ms) => c.setInterval(fn, ms),
    clearInterval: (h) => c.clearInterval(h),
    [UNPACED]: true,
  } as Clock;
}

/** Whether streams with this clock run unpaced (see UNPACED_FPS). */
export function isUnpaced(clock: Clock): boolean {
  return UNPACED in clock;
}

export function resolveOptions(o: VirtualCameraOptions): CameraConfig {
  if (!/^[0-9a-f]{12}$/.test(o.mac)) throw new RangeError(`mac must be 12 lower-case hex digits, got '${o.mac}'`);
  const fps = o.fps ?? 10;
  if (fps !== UNPACED_FPS && (!Number.isInteger(fps) || fps < 1 || fps > MAX_FPS))
    throw new RangeError(`fps must be 1-${MAX_FPS} (or ${UNPACED_FPS}: unpaced, benchmarks only), got ${fps}`);
  assertServerList(o.serverList);
  if (o.auth !== undefined && !CAMERA_AUTH.includes(o.auth)) throw new RangeError(`auth must be one of ${CAMERA_AUTH.join(', ')}, got '${o.auth}'`);
  if (o.nonceTtlMs !== undefined && !(Number.isInteger(o.nonceTtlMs) && o.nonceTtlMs > 0))
    throw new RangeError(`nonceTtlMs must be a positive integer, got ${o.nonceTtlMs}`);
  const unpaced = fps === UNPACED_FPS;
  return {
    mac: o.mac,
    user: o.user ?? 'root',
    password: o.password,
    fps: unpaced ? MAX_FPS : fps,
    firmware: o.firmware ?? '11.11.0',
    model: o.model ?? 'AXIS Virtual Camera',
    clock: unpaced ? unpacedClock(o.clock ?? systemClock) : (o.clock ?? systemClock),
    realm: `AXIS_${o.mac.toUpperCase()}`,
    auth: o.auth ?? 'both',
    nonceTtlMs: o.nonceTtlMs,
    oak: o.oak ?? '',
  };
}

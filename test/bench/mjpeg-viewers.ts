import { join } from 'node:path';
import { macPlus } from '@tether/protocol';
import type { TetherCluster, TetherProcess } from '@tether/testing';
import type { MjpegPhase } from './bench-rows';
import { CpuMeter, run, sleep, Watched } from './proc';
import { spread, Spread } from './stream-stats';

/** The virtual camera's benchmark mode: frames as fast as the reader takes them (UNPACED_FPS of virtual-camera.options.ts). */
export const UNPACED_FPS = 1000;

export interface MjpegJob {
  /** The proxy's port (127.0.0.1). */
  port: number;
  macs: string[];
  streams: number;
  /** Origin-form path on the device, e.g. /axis-cgi/mjpg/video.cgi?resolution=1920x1080. */
  path: string;
  /** user:password (HTTP Basic, as the virtual camera accepts). */
  auth: string;
  warmupMs: number;
  durationMs: number;
}

export interface MjpegResult {
  streams: number;
  devices: number;
  seconds: number;
  /** 10^6 bytes per second, all streams. */
  totalMBps: number;
  framesPerSecond: number;
  /** Per stream, MB/s. */
  perStream: Spread;
  /** Streams that answered other than 200 or broke off during the window. */
  failed: string[];
}

interface WorkerOutput {
  seconds: number;
  streams: Array<{ mac: string; status: number; bytes: number; frames: number; error?: string }>;
}

const failedStream = (s: WorkerOutput['streams'][number]) => s.status !== 200 || !!s.error;

/**
 * Summarizes the worker's per-stream counts (pure, so the spec can check it). A stream refused or cut short
 * counts as 0 MB/s in the per-stream figures: a viewer whose video stopped is starving, whatever it got before.
 */
export function summarize(out: WorkerOutput, devices: number): MjpegResult {
  const mbps = out.streams.map((s) => (failedStream(s) ? 0 : s.bytes / out.seconds / 1e6));
  const bytes = out.streams.reduce((a, s) => a + s.bytes, 0);
  const frames = out.streams.reduce((a, s) => a + s.frames, 0);
  return {
    streams: out.streams.length,
    devices,
    seconds: out.seconds,
    totalMBps: bytes / out.seconds / 1e6,
    framesPerSecond: frames / out.seconds,
    perStream: spread(mbps),
    failed: out.streams.flatMap((s, i) => (failedStream(s) ? [`stream ${i} (${s.mac}): HTTP ${s.status}${s.error ? `, ${s.error}` : ''}`] : [])),
  };
}

/** Runs the viewers (`mjpeg-worker.ts`) in a child process of the bench. */
export async function watchMjpeg(job: MjpegJob): Promise<MjpegResult> {
  const r = await run(process.execPath, [join(__dirname, 'mjpeg-worker.js'), JSON.stringify(job)], {
    timeoutMs: job.warmupMs + job.durationMs + 40_000,
  });
  if (r.code !== 0) throw new Error(`MJPEG viewers failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr}`);
  return summarize(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as WorkerOutput, job.macs.length);
}

export interface MjpegSetup {
  cameras: number;
  firstMac: string;
  viewers: number;
  /** `WxH`, the `resolution` parameter. */
  frameSize: string;
  seconds: number;
  loglevel: number;
}

/**
 * The viewers of `setup.cameras` virtual cameras through the cluster's gateway, the cameras in one agent process in
 * their benchmark mode, the agent stopped afterwards; with the CPU of `own(agent)` over the measured window.
 */
export async function mjpegPhase(
  cluster: TetherCluster,
  setup: MjpegSetup,
  own: (agent: TetherProcess) => Watched[],
  say: (s: string) => void,
): Promise<MjpegPhase> {
  const macs = Array.from({ length: setup.cameras }, (_, i) => macPlus(setup.firstMac, i));
  say(`MJPEG: ${setup.cameras} virtual cameras (${macs[0]} ...), ${setup.viewers} viewers, ${setup.frameSize}, ${setup.seconds} s`);
  const cameras = await cluster.agent(
    [
      '--servers', cluster.servers(), '--issue-from', cluster.pki.dispatcherDir, '--mac', setup.firstMac, '--count', String(setup.cameras),
      '--simulate', '--fps', String(UNPACED_FPS), '--max-conn', '16', '--loglevel', String(setup.loglevel),
    ],
    setup.cameras,
  );
  try {
    const meter = new CpuMeter();
    const warmupMs = 1000;
    const viewing = watchMjpeg({
      port: cluster.userPort,
      macs,
      streams: setup.viewers,
      path: `/axis-cgi/mjpg/video.cgi?resolution=${setup.frameSize}`,
      auth: 'root:pass',
      warmupMs,
      durationMs: setup.seconds * 1000,
    });
    // The CPU window is the viewers' measured window (after their warm-up), give or take the spawn.
    await sleep(warmupMs);
    meter.start(own(cameras));
    const result = await viewing;
    const cpu = meter.stop('client');
    say(`  ${result.totalMBps.toFixed(0)} MB/s, ${result.framesPerSecond.toFixed(0)} frames/s, per stream ${result.perStream.min.toFixed(2)}–${result.perStream.max.toFixed(2)} MB/s`);
    if (!cameras.running) throw new Error(`the virtual cameras' agent exited:\n${cameras.output.slice(-2000)}`);
    const kb = result.framesPerSecond > 0 ? `, ${((result.totalMBps * 1e3) / result.framesPerSecond).toFixed(1)} KB` : '';
    return { result, frame: `${setup.frameSize}${kb}`, cpu };
  } finally {
    await cameras.stop();
  }
}

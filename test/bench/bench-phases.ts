// The measured phases of `npm run bench`, each with the CPU time of the processes it watches: small requests
// (closed loop), bulk transfers with curl, and the constant-rate run.
import { LoadGenerator, LoadResult, LoadTarget, nodeGenerator } from './load-generator';
import { CpuMeter, run, sleep, Watched } from './proc';
import { RateResult, runAtRate } from './rate-generator';

export interface Phase<T> {
  result: T;
  cpu: Record<string, number>;
}

export interface Transfer {
  mbps: number;
  bytes: number;
}

/** Uploads during warm-ups, and at most this many of them. */
export const WARM_BYTES = 16 << 20;
const WARM_MAX = 20;

/**
 * A small-request phase: warm-up, then the measured run with the CPU of `watched` and of the generator.
 * The warm-up uses the built-in generator, which lets its last requests finish: wrk stops with its requests
 * in flight, and the tether path is slow to recover from that many aborted requests (see docs/benchmarks.md),
 * so a wrk run through tether comes only last.
 */
export async function smallPhase(
  gen: LoadGenerator,
  target: LoadTarget,
  connections: number,
  seconds: number,
  warmup: number,
  watched: Watched[],
): Promise<Phase<LoadResult>> {
  if (warmup > 0) await nodeGenerator().run(target, Math.min(connections, 32), warmup);
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await gen.run(target, connections, seconds);
  return { result, cpu: meter.stop('client') };
}

/** The constant-rate phase: the generator's own warm-up (not counted) and the measured window. */
export async function ratePhase(target: LoadTarget, rate: number, warmup: number, seconds: number, watched: Watched[]): Promise<Phase<RateResult>> {
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await runAtRate(target, rate, warmup, seconds);
  // The window includes the warm-up: CPU per second is the same at a constant rate.
  return { result, cpu: meter.stop('client') };
}

export async function curlGet(args: string[], bytes: number): Promise<Transfer> {
  const r = await run(
    'curl',
    ['-s', '-S', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{speed_download}', '--max-time', '180', ...args],
    { timeoutMs: 200_000 },
  );
  const [status, size, speed] = r.stdout.trim().split(' ').map(Number);
  if (r.code !== 0 || status !== 200 || size !== bytes)
    throw new Error(`curl ${args.join(' ')}: exit ${r.code}, HTTP ${status}, ${size} of ${bytes} bytes: ${r.stderr.trim()}`);
  return { mbps: speed / 1e6, bytes: size };
}

/**
 * One upload of `file` (`bytes` long) with `curl -T` (PUT, Content-Length) to a `/discard` endpoint, which
 * answers `{"bytes":N}` once the body has ended: the figure counts only bodies that arrived whole.
 * `Expect:` is off, so no path waits for a `100 Continue`.
 */
export async function curlPut(args: string[], file: string, bytes: number): Promise<Transfer> {
  const r = await run(
    'curl',
    ['-s', '-S', '-T', file, '-H', 'Expect:', '-w', '\n%{http_code} %{size_upload} %{speed_upload}', '--max-time', '180', ...args],
    { timeoutMs: 200_000 },
  );
  const lines = r.stdout.trim().split('\n');
  const [status, size, speed] = (lines.pop() ?? '').split(' ').map(Number);
  const got = Number(/"bytes":(\d+)/.exec(lines.join('\n'))?.[1] ?? NaN);
  if (r.code !== 0 || status !== 200 || size !== bytes || got !== bytes)
    throw new Error(`curl -T ${args.join(' ')}: exit ${r.code}, HTTP ${status}, sent ${size}, origin got ${got} of ${bytes} bytes: ${r.stderr.trim()}`);
  return { mbps: speed / 1e6, bytes: size };
}

/** A transfer phase: `warmup` seconds of 16 MiB transfers (at most 20), then the measured one. */
export async function transferPhase(
  once: (bytes: number) => Promise<Transfer>,
  bytes: number,
  warmup: number,
  watched: Watched[],
): Promise<Phase<Transfer>> {
  const until = performance.now() + warmup * 1000;
  for (let i = 0; i < WARM_MAX && performance.now() < until; i++) await once(WARM_BYTES);
  const meter = new CpuMeter();
  meter.start(watched);
  const result = await once(bytes);
  return { result, cpu: meter.stop('client') };
}

/**
 * Waits until `probe` succeeds (one try a second, at most `maxSeconds`): after aborted requests the tether path
 * may answer nothing for a while (docs/benchmarks.md). Resolves to the seconds waited, or -1 if it never did.
 */
export async function untilAnswering(probe: () => Promise<unknown>, maxSeconds: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i <= maxSeconds; i++) {
    if (await probe().then(() => true, () => false)) return (performance.now() - t0) / 1000;
    await sleep(1000);
  }
  return -1;
}

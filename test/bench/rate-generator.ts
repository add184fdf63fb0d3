import { join } from 'node:path';
import type { LoadTarget } from './load-generator';
import { run } from './proc';

/** One constant-rate run (`rate-worker.ts`): latencies count from when each request was due. */
export interface RateResult {
  rate: number;
  /** Requests due in the measured window. */
  scheduled: number;
  ok: number;
  non2xx: number;
  /** Socket errors, timeouts and requests unfinished at the end. */
  errors: number;
  sentRate: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** From the send, not from when it was due: the difference is the generator's own lag. */
  serviceP50: number;
  serviceP99: number;
  lagP50: number;
  lagP99: number;
  /** [ms, fraction of requests at or below it]. */
  cdf: Array<[number, number]>;
}

export const RATE_GENERATOR = `built-in Node ${process.version} constant-rate generator (own process, keep-alive http.Agent, up to 64 connections)`;

/** Runs the worker in a child process of the bench (its CPU time is the bench's reaped children time). */
export async function runAtRate(target: LoadTarget, rate: number, warmupSeconds: number, seconds: number): Promise<RateResult> {
  const job = { port: target.port, path: target.path, rate, warmupMs: warmupSeconds * 1000, durationMs: seconds * 1000 };
  const r = await run(process.execPath, [join(__dirname, 'rate-worker.js'), JSON.stringify(job)], {
    timeoutMs: (warmupSeconds + seconds + 40) * 1000,
  });
  if (r.code !== 0) throw new Error(`rate generator failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as RateResult;
}

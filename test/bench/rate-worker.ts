// The constant-rate (open-loop) load generator of `npm run bench`, run as its own process:
//   node dist/test/bench/rate-worker.js '{"port":N,"path":"/bytes/1024","rate":1000,"warmupMs":1000,"durationMs":10000}'
// Request i is due at start + i/rate, sent then on a keep-alive connection (a new one when all are busy, up
// to `connections`), and its latency counts from when it was due, not from when it was sent: a stall of the
// path or of this process shows as latency of every request due meanwhile (no coordinated omission).
// Requests due during the first `warmupMs` are sent but not counted. 127.0.0.1 only; bounded in count and
// time. Prints one JSON line: counts, latency percentiles, the CDF and the generator's own send lag.
import * as http from 'node:http';
import { LatencyHistogram } from './latency-histogram';
import { dueAtMs, dueCount, requestsIn } from './rate-schedule';

interface Job {
  port: number;
  /** Origin-form path, or an absolute URL (proxy form: the port is then the proxy's). */
  path: string;
  rate: number;
  warmupMs: number;
  durationMs: number;
  connections?: number;
  timeoutMs?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const connections = job.connections ?? 64;
const timeoutMs = job.timeoutMs ?? 10_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
const hostHeader = job.path.startsWith('http://') ? new URL(job.path).host : `127.0.0.1:${job.port}`;
const total = requestsIn((job.warmupMs + job.durationMs) / 1000, job.rate);
const firstCounted = requestsIn(job.warmupMs / 1000, job.rate);

const latency = new LatencyHistogram();
/** From the send to the end of the response: what the path took once the request was out. */
const service = new LatencyHistogram();
/** From due to sent: this process's own delay (timer granularity, event loop). */
const lag = new LatencyHistogram();
let sent = 0;
let done = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;

function send(i: number, t0: number): void {
  const due = t0 + dueAtMs(i, job.rate);
  const at = performance.now();
  const counted = i >= firstCounted;
  if (counted) lag.record(at - due);
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    done++;
    if (!counted) return;
    const end = performance.now();
    if (status >= 200 && status < 300) {
      ok++;
      latency.record(end - due);
      service.record(end - at);
    } else if (status > 0) non2xx++;
    else errors++;
  };
  const req = http.request(
    { host: '127.0.0.1', port: job.port, path: job.path, agent, headers: { host: hostHeader }, timeout: timeoutMs },
    (res) => {
      res.on('data', () => undefined);
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(-1));
    },
  );
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => finish(-1));
  req.end();
}

async function main(): Promise<void> {
  setTimeout(() => {
    process.stderr.write('rate-worker: hard stop\n');
    process.exit(2);
  }, job.warmupMs + job.durationMs + timeoutMs + 20_000).unref();
  const t0 = performance.now();
  // Timers fire at ~1 ms granularity: each tick sends every request that has come due since the last one.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = dueCount(performance.now() - t0, job.rate, total);
      while (sent < due) send(sent++, t0);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + dueAtMs(sent, job.rate) - performance.now()));
    };
    tick();
  });
  const sentAllMs = performance.now() - t0;
  // The last requests get their own timeout to finish; whatever is still out then counts as an error.
  const until = performance.now() + timeoutMs + 1000;
  while (done < total && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  const counted = total - firstCounted;
  const unfinished = counted - ok - non2xx - errors;
  agent.destroy();
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({
      rate: job.rate,
      scheduled: counted,
      ok,
      non2xx,
      errors: errors + Math.max(0, unfinished),
      /** The rate at which requests actually went out (sending all of them took this long). */
      sentRate: (total - 1) / (sentAllMs / 1000),
      p50: latency.percentile(50),
      p90: latency.percentile(90),
      p99: latency.percentile(99),
      p999: latency.percentile(99.9),
      max: latency.maxMs,
      serviceP50: service.percentile(50),
      serviceP99: service.percentile(99),
      lagP50: lag.percentile(50),
      lagP99: lag.percentile(99),
      cdf: latency.cdf(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`rate-worker: ${(err as Error).stack}\n`);
  process.exit(1);
});

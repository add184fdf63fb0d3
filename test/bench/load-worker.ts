// The built-in load generator of `npm run bench` (used when wrk is not installed), run as its own process:
//   node dist/test/bench/load-worker.js '{"port":N,"path":"/bytes/1024","connections":32,"durationMs":10000}'
// N keep-alive connections, one request loop each, to 127.0.0.1 only; every loop stops at the deadline or
// after maxRequests in all. Prints one JSON line: requests, ok, non2xx, errors, seconds, latency percentiles.
import * as http from 'node:http';

interface Job {
  port: number;
  /** Origin-form path, or an absolute URL (proxy form: the port is then the proxy's). */
  path: string;
  connections: number;
  durationMs: number;
  maxRequests?: number;
  /** A new connection per request. */
  close?: boolean;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const maxRequests = job.maxRequests ?? 50_000_000;
const agent = new http.Agent({ keepAlive: !job.close, maxSockets: job.connections, maxFreeSockets: job.connections });
const hostHeader = job.path.startsWith('http://') ? new URL(job.path).host : `127.0.0.1:${job.port}`;

// Latencies in 10 µs buckets up to 10 s (a fixed-size histogram: bounded memory at any rate).
const BUCKET_US = 10;
const hist = new Uint32Array(1_000_001);
let started = 0;
let ok = 0;
let non2xx = 0;
let errors = 0;

function once(): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port: job.port, path: job.path, agent, headers: { host: hostHeader, ...(job.close ? { connection: 'close' } : {}) }, timeout: 10_000 },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(-1));
    req.end();
  });
}

async function loop(deadline: number): Promise<void> {
  while (performance.now() < deadline && started < maxRequests) {
    started++;
    const t0 = performance.now();
    const status = await once();
    const us = (performance.now() - t0) * 1000;
    if (status >= 200 && status < 300) {
      ok++;
      hist[Math.min(hist.length - 1, Math.floor(us / BUCKET_US))]++;
    } else if (status > 0) non2xx++;
    else {
      errors++;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function percentile(p: number): number {
  const want = Math.ceil((ok * p) / 100);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= want && want > 0) return ((i + 1) * BUCKET_US) / 1000;
  }
  return 0;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const deadline = t0 + job.durationMs;
  // A hard stop even if a request hangs past its own timeout.
  setTimeout(() => {
    process.stderr.write('load-worker: hard stop\n');
    process.exit(2);
  }, job.durationMs + 20_000).unref();
  await Promise.all(Array.from({ length: job.connections }, () => loop(deadline)));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  agent.destroy();
  process.stdout.write(
    JSON.stringify({
      requests: ok + non2xx + errors,
      ok,
      non2xx,
      errors,
      seconds,
      p50: percentile(50),
      p99: percentile(99),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`load-worker: ${(err as Error).stack}\n`);
  process.exit(1);
});

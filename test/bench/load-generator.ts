import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, which } from './proc';

export interface LoadResult {
  requests: number;
  /** 2xx responses per second over the run. */
  rps: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadTarget {
  port: number;
  /** `/bytes/1024` to an origin, or `http://<mac>/bytes/1024` to a proxy. */
  path: string;
  /** A new connection per request (`Connection: close`): the proxy routes every request, not once per connection. */
  close?: boolean;
}

export interface LoadGenerator {
  name: string;
  /** Runs for `seconds` in a child process of the bench (so its CPU time is the bench's reaped children time). */
  run(target: LoadTarget, connections: number, seconds: number): Promise<LoadResult>;
}

/** wrk if it is installed (after an `apt-get install -y wrk` attempt when root and allowed), else the Node worker. */
export async function pickGenerator(prefer: 'auto' | 'wrk' | 'node', mayInstall: boolean): Promise<LoadGenerator> {
  if (prefer === 'node') return nodeGenerator();
  let wrk = which('wrk');
  if (!wrk && mayInstall && process.getuid?.() === 0 && which('apt-get')) {
    console.log('wrk is not installed: trying `apt-get install -y wrk` ...');
    const r = await run('apt-get', ['install', '-y', '-q', 'wrk'], { timeoutMs: 90_000 }).catch((err: Error) => ({
      code: -1,
      stderr: err.message,
      stdout: '',
      timedOut: false,
    }));
    wrk = which('wrk');
    if (!wrk) {
      const why = r.timedOut ? 'timed out' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
      console.log(`notice: apt-get install wrk failed (${why}); try \`apt-get update && apt-get install -y wrk\``);
    }
  }
  if (wrk) return wrkGenerator(wrk);
  if (prefer === 'wrk') throw new Error('wrk is not installed');
  console.log('notice: wrk not available: using the built-in Node load generator (a separate process)');
  return nodeGenerator();
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Parses the summary of `wrk --latency`. */
export function parseWrk(out: string, seconds: number): LoadResult {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const dur = /requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const secs = dur ? toMs(dur[1], dur[2]) / 1000 : seconds;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  if (!Number.isFinite(requests)) throw new Error(`could not read wrk's output:\n${out}`);
  return { requests, rps: (requests - non2xx) / secs, non2xx, errors, p50Ms: pct('50'), p99Ms: pct('99') };
}

function wrkGenerator(bin: string): LoadGenerator {
  return {
    name: 'wrk -t1 (one thread)',
    async run(target, connections, seconds) {
      const dir = mkdtempSync(join(tmpdir(), 'tether-bench-wrk-'));
      try {
        const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s'];
        if (target.path.startsWith('http://')) {
          // Proxy form: wrk sends `GET <wrk.path>`, so an absolute URL there is the absolute-form request.
          const script = join(dir, 'proxy.lua');
          const url = new URL(target.path);
          const close = target.close ? 'wrk.headers["Connection"] = "close"\n' : '';
          writeFileSync(script, `wrk.path = ${JSON.stringify(target.path)}\nwrk.headers["Host"] = ${JSON.stringify(url.host)}\n${close}`);
          args.push('-s', script, `http://127.0.0.1:${target.port}`);
        } else args.push(...(target.close ? ['-H', 'Connection: close'] : []), `http://127.0.0.1:${target.port}${target.path}`);
        const r = await run(bin, args, { timeoutMs: (seconds + 30) * 1000 });
        if (r.code !== 0) throw new Error(`wrk failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr}${r.stdout}`);
        return parseWrk(r.stdout, seconds);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The built-in generator: its loops start no request after the deadline and let the ones in flight finish. */
export function nodeGenerator(): LoadGenerator {
  return {
    name: `built-in Node ${process.version} generator (own process, keep-alive http.Agent)`,
    async run(target, connections, seconds) {
      const job = { port: target.port, path: target.path, connections, durationMs: seconds * 1000, close: target.close };
      const r = await run(process.execPath, [join(__dirname, 'load-worker.js'), JSON.stringify(job)], {
        timeoutMs: (seconds + 30) * 1000,
      });
      if (r.code !== 0) throw new Error(`load generator failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${r.stderr}`);
      const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
        requests: number;
        ok: number;
        non2xx: number;
        errors: number;
        seconds: number;
        p50: number;
        p99: number;
      };
      return { requests: j.requests, rps: j.ok / j.seconds, non2xx: j.non2xx, errors: j.errors, p50Ms: j.p50, p99Ms: j.p99 };
    },
  };
}

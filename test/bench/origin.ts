import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor, waitForPort } from '@tether/testing';
import { childPids, sleep, stopChild, track, which } from './proc';

/** The origin HTTP server of the bench: `/bytes/N` with Content-Length, in a process of its own. */
export interface BenchOrigin {
  kind: string;
  url: string;
  /** The origin's processes (nginx: master and workers). */
  pids: number[];
  stop(): Promise<void>;
}

/** nginx if it is installed (Debian's default shape: a master and one worker per core), else Node. */
export async function startOrigin(sizes: number[], prefer: 'auto' | 'nginx' | 'node'): Promise<BenchOrigin> {
  const nginx = which('nginx');
  if (prefer !== 'node' && nginx) {
    try {
      return await startNginx(nginx, sizes);
    } catch (err) {
      if (prefer === 'nginx') throw err;
      console.log(`notice: nginx did not start (${(err as Error).message.split('\n')[0]}); using the Node origin`);
    }
  } else if (prefer === 'nginx') throw new Error('nginx is not installed');
  return startNodeOrigin();
}

/** Writes `n` real bytes (not a sparse file) to `path`: small ones of 'a', large ones a pattern in 4 MiB blocks. */
export function writeBytesFile(path: string, n: number): void {
  if (n <= 1 << 20) return writeFileSync(path, Buffer.alloc(n, 0x61));
  const block = Buffer.alloc(4 << 20);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
  const fd = openSync(path, 'w');
  try {
    for (let off = 0; off < n; off += block.length) writeSync(fd, block, 0, Math.min(block.length, n - off));
    ftruncateSync(fd, n);
  } finally {
    closeSync(fd);
  }
}

async function startNginx(bin: string, sizes: number[]): Promise<BenchOrigin> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-bench-nginx-'));
  chmodSync(dir, 0o755); // workers of a root master run as nobody and must read the files
  const root = join(dir, 'www');
  mkdirSync(join(root, 'bytes'), { recursive: true });
  for (const n of sizes) writeBytesFile(join(root, 'bytes', String(n)), n);
  const port = await freePort();
  const tmp = (name: string) => join(dir, name);
  writeFileSync(
    tmp('nginx.conf'),
    `daemon off;
master_process on;
worker_processes auto;
pid ${tmp('nginx.pid')};
error_log ${tmp('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  client_body_temp_path ${tmp('client_body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`,
  );
  const p = spawn(bin, ['-e', tmp('error.log'), '-p', dir, '-c', tmp('nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = track(p);
  const up = await Promise.race([waitForPort(port, '127.0.0.1', 10_000).then(() => true), exited.then(() => false)]).catch(() => false);
  if (!up) {
    await stopChild(p, exited);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(err.trim() || 'nginx did not listen');
  }
  // The workers, for their CPU time and so that none outlives the bench.
  let workers: number[] = [];
  // `worker_processes auto` starts one per core; wait until all are forked (or 3 s).
  const cores = availableParallelism();
  await waitFor(() => (workers = childPids(p.pid!)).length >= cores, 3000, 'nginx workers').catch(() => undefined);
  const ver = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 });
  const version = `${ver.stdout ?? ''}${ver.stderr ?? ''}`;
  const v = /nginx\/([\d.]+)/.exec(version)?.[1];
  return {
    kind: `nginx${v ? ' ' + v : ''} (${workers.length} worker${workers.length === 1 ? '' : 's'}, static files)`,
    url: `http://127.0.0.1:${port}`,
    pids: [p.pid!, ...workers],
    stop: async () => {
      await stopChild(p, exited, workers);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Node origin (`origin-server.ts`) in a process of its own; it also serves `PUT|POST /discard`. */
export async function startNodeOrigin(): Promise<BenchOrigin> {
  const p = spawn(process.execPath, [join(__dirname, 'origin-server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = track(p);
  let out = '';
  const port = await Promise.race([
    new Promise<number>((resolve) => {
      p.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /"port":(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    }),
    exited.then(() => 0),
    sleep(10_000).then(() => 0),
  ]);
  if (!port) {
    await stopChild(p, exited);
    throw new Error('the Node origin did not start');
  }
  return {
    kind: `Node ${process.version} http (own process)`,
    url: `http://127.0.0.1:${port}`,
    pids: [p.pid!],
    stop: async () => {
      p.stdin!.end();
      await stopChild(p, exited);
    },
  };
}

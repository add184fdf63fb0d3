// The MJPEG viewers of `npm run bench`, run as their own process:
//   node dist/test/bench/mjpeg-worker.js '{"port":N,"macs":["00408c..."],"streams":50,"path":"/axis-cgi/mjpg/video.cgi",
//     "auth":"root:pass","warmupMs":1000,"durationMs":10000}'
// Opens `streams` MJPEG streams through the proxy on 127.0.0.1:port, stream i from device macs[i % n], each on
// a connection of its own; counts every stream's bytes and frames (multipart boundaries) from the end of the
// warm-up for `durationMs`, then closes them all. Prints one JSON line: the window and each stream's counts.
import * as http from 'node:http';
import type { MjpegJob as Job } from './mjpeg-viewers';
import { BoundaryCounter } from './stream-stats';

interface Stream {
  mac: string;
  status: number;
  bytes: number;
  frames?: BoundaryCounter;
  error?: string;
  req?: http.ClientRequest;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const streams: Stream[] = Array.from({ length: job.streams }, (_, i) => ({ mac: job.macs[i % job.macs.length], status: 0, bytes: 0 }));

function open(s: Stream): void {
  const url = `http://${s.mac}${job.path}`;
  s.req = http.request(
    {
      host: '127.0.0.1',
      port: job.port,
      path: url,
      agent: false,
      headers: { host: s.mac, authorization: `Basic ${Buffer.from(job.auth).toString('base64')}` },
    },
    (res) => {
      s.status = res.statusCode ?? 0;
      const boundary = /boundary=([^;\s]+)/.exec(res.headers['content-type'] ?? '')?.[1];
      if (boundary) s.frames = new BoundaryCounter(`--${boundary}\r\n`);
      res.on('data', (b: Buffer) => {
        s.bytes += b.length;
        s.frames?.push(b);
      });
      res.on('error', (err) => (s.error ??= err.message));
      res.on('end', () => (s.error ??= 'stream ended'));
    },
  );
  s.req.on('error', (err) => (s.error ??= err.message));
  s.req.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const snapshot = () => streams.map((s) => ({ bytes: s.bytes, frames: s.frames?.count ?? 0 }));

async function main(): Promise<void> {
  setTimeout(() => {
    process.stderr.write('mjpeg-worker: hard stop\n');
    process.exit(2);
  }, job.warmupMs + job.durationMs + 30_000).unref();
  for (const s of streams) open(s);
  await sleep(job.warmupMs);
  const a = snapshot();
  const t0 = performance.now();
  await sleep(job.durationMs);
  const b = snapshot();
  const seconds = (performance.now() - t0) / 1000;
  for (const s of streams) s.req?.destroy();
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({
      seconds,
      streams: streams.map((s, i) => ({
        mac: s.mac,
        status: s.status,
        bytes: b[i].bytes - a[i].bytes,
        frames: b[i].frames - a[i].frames,
        ...(s.error ? { error: s.error } : {}),
      })),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`mjpeg-worker: ${(err as Error).stack}\n`);
  process.exit(1);
});

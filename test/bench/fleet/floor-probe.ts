// `node dist/test/bench/fleet/floor-probe.js [--connections N] [--dialers K] [--idle S] [--layer tls|ssh] [--glibc]
//   [--malloc-conf C] [--semi-space MiB] [--keepalive S]`:
// what one idle device costs the stack the edge is built on, with nothing of tether in it. A bare `node:tls` server
// (TLS 1.3, client certificates from our own PKI) with an `ssh2` server inside each connection, holding what the O3C
// tunnel keeps per device (an authenticated SSH session, its `tcpip-forward`, one subsystem channel), and N idle
// devices dialled from K other processes. Prints the server's RSS per connection over its own base, and the V8 heap
// and new space it grew by. `--layer tls` stops after TLS (the part of the floor that is `node:tls`). The server
// runs on the edge's allocator (k8s/edge.yaml: jemalloc), or on glibc's malloc with --glibc. Bounded: every wait has
// a deadline, and the children die with this process.
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as v8 from 'node:v8';
import { Client as SshClient, Server as SshServer } from 'ssh2';
import { tunnelHostKey } from '@tether/protocol';
import { TestPki } from '@tether/testing';
import { edgeAllocator } from '../edge-allocator';
import { sleep } from '../proc';
import { cpuOver, rssKiB, statusKiB } from './proc-stats';

type Layer = 'tls' | 'ssh';

/** What the probe's children report over IPC. */
type Report = { port: number } | { ready: number; failed: number } | { memory: ServerMemory };

export interface ServerMemory {
  heapUsed: number;
  external: number;
  newSpace: number;
  oldSpace: number;
}

/** Per connection, in KiB: the growth of each figure from `base` to `idle` over `n` connections. */
export function perConnection(base: ServerMemory & { rss: number }, idle: ServerMemory & { rss: number }, n: number): Record<string, number> {
  const kib = (a: number, b: number, unit: number) => (b - a) / unit / n;
  return {
    rss: kib(base.rss, idle.rss, 1),
    heapUsed: kib(base.heapUsed, idle.heapUsed, 1024),
    external: kib(base.external, idle.external, 1024),
    newSpace: kib(base.newSpace, idle.newSpace, 1024),
    oldSpace: kib(base.oldSpace, idle.oldSpace, 1024),
  };
}

const CIPHERS = ['aes128-gcm@openssh.com'];
const KEX = ['ecdh-sha2-nistp256'];

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

function serverMemory(): ServerMemory {
  const m = process.memoryUsage();
  const space = (name: string) => v8.getHeapSpaceStatistics().find((s) => s.space_name === name)?.physical_space_size ?? 0;
  return { heapUsed: m.heapUsed, external: m.external, newSpace: space('new_space'), oldSpace: space('old_space') };
}

/** The server: TLS with client certificates, SSH inside; keeps every connection and nothing else. */
function serve(layer: Layer, pem: string, ca: string, keepaliveS: number): void {
  const held = new Set<object>();
  const ssh =
    layer === 'ssh'
      ? new SshServer({ hostKeys: [tunnelHostKey()], keepaliveInterval: keepaliveS * 1500, keepaliveCountMax: 2, algorithms: { cipher: CIPHERS as never } }, (conn) => {
          conn.on('error', () => undefined);
          conn.on('authentication', (ctx) => ctx.accept());
          conn.on('request', (accept) => accept?.());
          conn.on('session', (accept) => {
            const session = accept();
            session.on('subsystem', (acceptSub) => held.add(acceptSub()));
          });
          conn.on('close', () => held.delete(conn));
          held.add(conn);
        })
      : undefined;
  const server = tls.createServer({ cert: pem, key: pem, ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
    socket.on('error', () => undefined);
    if (ssh) ssh.injectSocket(socket);
    else {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    }
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port } satisfies Report));
  process.on('message', (m: { gc?: boolean }) => {
    if (m.gc) (globalThis as { gc?: () => void }).gc?.();
    process.send!({ memory: serverMemory() } satisfies Report);
  });
}

/** A dialler: `n` devices, at most 32 handshakes at once; reports once every one is up (or failed). */
function dial(layer: Layer, port: number, n: number, pem: string, ca: string, keepaliveS: number): void {
  const secureContext = tls.createSecureContext({ cert: pem, key: pem, ca });
  const held: object[] = [];
  let started = 0;
  let ready = 0;
  let failed = 0;
  const next = () => {
    if (started >= n) return;
    started++;
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      if (ok) ready++;
      else failed++;
      if (ready + failed === n) process.send!({ ready, failed } satisfies Report);
      next();
    };
    const socket = tls.connect({ port, host: '127.0.0.1', secureContext, checkServerIdentity: () => undefined });
    socket.on('error', () => settle(false));
    held.push(socket);
    if (layer === 'tls') {
      socket.once('secureConnect', () => settle(true));
      return;
    }
    const ssh = new SshClient();
    held.push(ssh);
    ssh.on('error', () => settle(false));
    ssh.on('ready', () =>
      ssh.forwardIn('127.0.0.1', 80, (err) => {
        if (err) return settle(false);
        ssh.subsys('o3c-control', (err2, ch) => {
          if (err2) return settle(false);
          held.push(ch);
          settle(true);
        });
      }),
    );
    ssh.connect({ sock: socket, username: 'device', hostVerifier: () => true, keepaliveInterval: keepaliveS * 1000, keepaliveCountMax: 3, readyTimeout: 30_000, algorithms: { cipher: CIPHERS as never, kex: KEX as never } });
  };
  for (let i = 0; i < 32; i++) next();
}

function once<T>(child: ChildProcess, pick: (r: Report) => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
    const onMessage = (r: Report) => {
      const v = pick(r);
      if (v !== undefined) done(undefined, v);
    };
    const onExit = (code: number | null) => done(new Error(`${what}: exited (${code}) first`));
    const done = (err?: Error, v?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(v as T);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function main(): Promise<void> {
  const n = Number(flag('connections', '10000'));
  const dialers = Number(flag('dialers', String(Math.max(1, Math.ceil(n / 2500)))));
  const idleS = Number(flag('idle', '10'));
  const layer = flag('layer', 'ssh') as Layer;
  const keepaliveS = Number(flag('keepalive', '20'));
  const semiSpace = flag('semi-space', '');
  if (layer !== 'tls' && layer !== 'ssh') throw new Error(`--layer: tls or ssh, not ${layer}`);
  const pki = await TestPki.create();
  const children: ChildProcess[] = [];
  const kill = () => children.forEach((c) => c.kill('SIGKILL'));
  process.on('exit', kill);
  try {
    const devicePem = await pki.deviceCert('00408c100001');
    const allocator = await edgeAllocator(false, process.argv.includes('--malloc-conf') ? flag('malloc-conf', '') : undefined);
    const env = { ...process.env, ...(process.argv.includes('--glibc') ? {} : allocator.env) };
    const execArgv = ['--expose-gc', ...(semiSpace ? [`--max-semi-space-size=${semiSpace}`] : [])];
    const args = (role: string) => [role, '--layer', layer, '--keepalive', String(keepaliveS)];
    const server = fork(__filename, [...args('--serve'), '--pem', pki.serverPem, '--ca', pki.dispatcherCa], { env, execArgv, stdio: 'inherit' });
    children.push(server);
    const port = await once(server, (r) => ('port' in r ? r.port : undefined), 10_000, 'server');
    console.log(`floor probe: ${layer === 'ssh' ? 'node:tls + ssh2 (session, tcpip-forward, one subsystem channel)' : 'node:tls alone'}, ${n} connections from ${dialers} processes; server allocator: ${process.argv.includes('--glibc') ? 'glibc malloc' : allocator.label}${semiSpace ? `, --max-semi-space-size=${semiSpace}` : ''}`);
    const memory = async () => {
      server.send({ gc: true });
      const m = await once(server, (r) => ('memory' in r ? r.memory : undefined), 10_000, 'server memory');
      return { ...m, rss: rssKiB(server.pid)! };
    };
    await sleep(1000);
    const base = await memory();
    const t0 = performance.now();
    let given = 0;
    const dialing: Array<Promise<{ ready: number; failed: number }>> = [];
    for (let j = 0; j < dialers; j++) {
      const count = Math.floor((n - given) / (dialers - j));
      given += count;
      const d = fork(__filename, [...args('--dial'), '--port', String(port), '--count', String(count), '--pem', devicePem, '--ca', pki.providerCa], { stdio: 'inherit' });
      children.push(d);
      dialing.push(once(d, (r) => ('ready' in r ? r : undefined), 300_000, `dialler ${j}`));
    }
    const up = await Promise.all(dialing);
    const ready = up.reduce((a, r) => a + r.ready, 0);
    const failed = up.reduce((a, r) => a + r.failed, 0);
    console.log(`${ready} connected, ${failed} failed, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (!ready) throw new Error('no connection came up');
    // The idle window: the devices' keepalives (every --keepalive s) are all the server does.
    const cpu = await cpuOver(server.pid, idleS * 1000, children.slice(1).map((c) => c.pid));
    const noGc = ((rssKiB(server.pid) ?? base.rss) - base.rss) / ready;
    const median = [...cpu.series].sort((a, b) => a - b)[Math.floor(cpu.series.length / 2)] ?? NaN;
    console.log(`idle ${idleS} s: server CPU ${cpu.percent.toFixed(2)} % of a core (1-s median ${median.toFixed(2)}), diallers ${cpu.alsoPercent.toFixed(1)} %, others ${cpu.othersPercent.toFixed(1)} %; RSS ${noGc.toFixed(1)} KiB per connection`);
    const idle = await memory();
    const per = perConnection(base, idle, ready);
    console.log(
      `after a full GC: RSS ${(idle.rss / 1024).toFixed(1)} MiB (base ${(base.rss / 1024).toFixed(1)}) = ${per.rss.toFixed(1)} KiB per connection; ` +
        `RssAnon ${statusKiB(server.pid, 'RssAnon')} KiB; V8 heap used ${per.heapUsed.toFixed(1)} KiB (new space ${per.newSpace.toFixed(1)}, old space ${per.oldSpace.toFixed(1)}), external ${per.external.toFixed(1)} KiB per connection`,
    );
  } finally {
    kill();
    pki.remove();
  }
}

// Children get file paths, not key material, on their command lines.
const file = (name: string) => readFileSync(flag(name, ''), 'utf8');
if (process.argv[2] === '--serve') serve(flag('layer', 'ssh') as Layer, file('pem'), file('ca'), Number(flag('keepalive', '20')));
else if (process.argv[2] === '--dial')
  dial(flag('layer', 'ssh') as Layer, Number(flag('port', '0')), Number(flag('count', '0')), file('pem'), file('ca'), Number(flag('keepalive', '20')));
else
  main().then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err.stack ?? err.message);
      process.exit(1);
    },
  );

/**
 * What one idle device costs the stack the edge is built on, with nothing of tether in it: a bare `node:tls` server
 * (TLS 1.3, client certificates from our own PKI) with an `ssh2` server inside each connection, holding what the O3C
 * tunnel keeps per device (an authenticated SSH session, its `tcpip-forward`, one subsystem channel), and N idle
 * devices dialled from other processes. The server's RSS per connection over its own base, its CPU while the devices
 * only send keepalives, and the V8 heap it grew by. Layer `tls` stops after TLS: the part that is `node:tls`.
 * This file is also the entry of the server and the diallers (forked with `--serve` / `--dial`). Bounded: every wait
 * has a deadline, and the children are killed when the measure ends.
 */
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as v8 from 'node:v8';
import { Client as SshClient, Server as SshServer } from 'ssh2';
import { CONTROL_SUBSYSTEM, FORWARD_BIND_ADDR, FORWARD_BIND_PORT, tunnelHostKey } from '@tether/protocol';
import { TestPki } from '@tether/testing';
import { argFlag, argNumber, sleep } from '../proc';
import { cpuOver, rssKiB } from './proc-stats';

export type Layer = 'tls' | 'ssh';

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

/**
 * A dialler: `n` devices, at most 32 handshakes at once, paced over one keepalive period (device i not before
 * i/n of it), so the keepalives spread over the period as a ramped fleet's do; reports once every one is up.
 */
function dial(layer: Layer, port: number, n: number, pem: string, ca: string, keepaliveS: number): void {
  const t0 = performance.now();
  const secureContext = tls.createSecureContext({ cert: pem, key: pem, ca });
  const held: object[] = [];
  let started = 0;
  let ready = 0;
  let failed = 0;
  const next = (): void => {
    if (started >= n) return;
    const early = t0 + (started / n) * keepaliveS * 1000 - performance.now();
    if (early > 0) {
      setTimeout(next, early);
      return;
    }
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
      ssh.forwardIn(FORWARD_BIND_ADDR, FORWARD_BIND_PORT, (err) => {
        if (err) return settle(false);
        ssh.subsys(CONTROL_SUBSYSTEM, (err2, ch) => {
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

export interface StackFloorOptions {
  connections: number;
  layer: Layer;
  /** Idle window after the last connection (s): the CPU is measured over it. */
  idleSeconds: number;
  /** The devices' keepalive period (s); the server's is 1.5 times it, as the edge's. */
  keepaliveSeconds: number;
  /** Environment of the server: the edge's allocator (LD_PRELOAD, MALLOC_CONF), or none for glibc. */
  serverEnv: Record<string, string>;
  /** V8 flags of the server beside --expose-gc. */
  serverFlags?: string[];
  dialers?: number;
  say?: (line: string) => void;
}

export interface StackFloor {
  layer: Layer;
  connections: number;
  failed: number;
  connectSeconds: number;
  idleSeconds: number;
  /** RSS growth per connection at the end of the idle window (KiB). */
  perConnectionKiB: number;
  /** The same after a full GC, with the V8 heap's part of it. */
  afterGc: Record<string, number>;
  cpuPercent: number;
  cpuMedian1sPercent: number;
}

export async function measureStackFloor(o: StackFloorOptions): Promise<StackFloor> {
  const say = o.say ?? (() => undefined);
  const dialers = o.dialers ?? Math.max(1, Math.ceil(o.connections / 2500));
  const pki = await TestPki.create();
  const children: ChildProcess[] = [];
  const kill = () => children.forEach((c) => c.kill('SIGKILL'));
  process.on('exit', kill);
  try {
    const devicePem = await pki.deviceCert('00408c100001');
    const args = (role: string) => [role, '--layer', o.layer, '--keepalive', String(o.keepaliveSeconds)];
    const server = fork(__filename, [...args('--serve'), '--pem', pki.serverPem, '--ca', pki.dispatcherCa], {
      env: { ...process.env, ...o.serverEnv },
      execArgv: ['--expose-gc', ...(o.serverFlags ?? [])],
      stdio: 'inherit',
    });
    children.push(server);
    const port = await once(server, (r) => ('port' in r ? r.port : undefined), 10_000, 'server');
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
      const count = Math.floor((o.connections - given) / (dialers - j));
      given += count;
      const d = fork(__filename, [...args('--dial'), '--port', String(port), '--count', String(count), '--pem', devicePem, '--ca', pki.providerCa], { stdio: 'inherit' });
      children.push(d);
      dialing.push(once(d, (r) => ('ready' in r ? r : undefined), 300_000, `dialler ${j}`));
    }
    const up = await Promise.all(dialing);
    const ready = up.reduce((a, r) => a + r.ready, 0);
    const failed = up.reduce((a, r) => a + r.failed, 0);
    const connectSeconds = (performance.now() - t0) / 1000;
    say(`stack floor (${o.layer}): ${ready} connected, ${failed} failed, in ${connectSeconds.toFixed(1)} s; idle ${o.idleSeconds} s`);
    if (!ready) throw new Error('stack floor: no connection came up');
    // The idle window: the devices' keepalives are all the server does.
    const cpu = await cpuOver(server.pid, o.idleSeconds * 1000, children.slice(1).map((c) => c.pid));
    const perConnectionKiB = ((rssKiB(server.pid) ?? base.rss) - base.rss) / ready;
    const idle = await memory();
    return {
      layer: o.layer,
      connections: ready,
      failed,
      connectSeconds,
      idleSeconds: o.idleSeconds,
      perConnectionKiB,
      afterGc: perConnection(base, idle, ready),
      cpuPercent: cpu.percent,
      cpuMedian1sPercent: [...cpu.series].sort((a, b) => a - b)[Math.floor(cpu.series.length / 2)] ?? NaN,
    };
  } finally {
    kill();
    process.off('exit', kill);
    pki.remove();
  }
}

// Children get file paths, not key material, on their command lines.
const file = (name: string) => readFileSync(argFlag(name, ''), 'utf8');
if (require.main === module) {
  if (process.argv[2] === '--serve') serve(argFlag('layer', 'ssh') as Layer, file('pem'), file('ca'), argNumber('keepalive', 20));
  else if (process.argv[2] === '--dial')
    dial(argFlag('layer', 'ssh') as Layer, argNumber('port', 0), argNumber('count', 0), file('pem'), file('ca'), argNumber('keepalive', 20));
}

import { ChildProcess, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { LogLevelName } from './log-level';
import type { LogRecord } from './logger';

/** RFC 3164 facility "daemon" (3) times 8, plus the severity of the level. */
const DAEMON = 3 * 8;
export const SYSLOG_SEVERITY: Record<LogLevelName, number> = { error: 3, warning: 4, notice: 5, debug: 7 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const syslogPriority = (level: LogLevelName): number => DAEMON + SYSLOG_SEVERITY[level];

/** A syslog line carries one line: newlines in a message become spaces. */
const oneLine = (s: string) => (s.includes('\n') ? s.replace(/\r?\n/g, ' ') : s);

/** `<PRI>Mmm dd hh:mm:ss host tag[pid]: msg` (RFC 3164, local time, day padded with a space). */
export function formatRfc3164(level: LogLevelName, time: number, host: string, tag: string, pid: number, msg: string): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `<${syslogPriority(level)}>${stamp} ${host} ${tag}[${pid}]: ${oneLine(msg)}`;
}

export interface SyslogOptions {
  tag?: string;
  /** Reported once per failure spell (unreachable server, `logger` missing); never thrown. */
  onError?: (err: Error) => void;
}

/** `host:port` (IPv6 in brackets) of syslog_server; throws with what is wrong. */
export function parseSyslogServer(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`syslog_server "${value}" is not host:port`);
  return { host: m[1] ?? m[2], port };
}

/** syslog_server: each line as one RFC 3164 datagram (facility daemon), the O3C line as the message. */
export class UdpSyslogSink {
  private readonly socket: dgram.Socket;
  private readonly host: string;
  private readonly port: number;
  private readonly tag: string;
  private readonly hostName = hostname().split('.')[0] || '-';
  private failing = false;

  constructor(server: string, opts: SyslogOptions = {}) {
    const { host, port } = parseSyslogServer(server);
    this.host = host;
    this.port = port;
    this.tag = opts.tag ?? 'tether';
    const onError = opts.onError ?? (() => undefined);
    this.socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    this.socket.unref();
    this.socket.on('error', (err) => onError(err));
    this.report = (err) => {
      if (err && !this.failing) onError(err);
      this.failing = !!err;
    };
  }

  private readonly report: (err: Error | null) => void;

  readonly sink = (line: string, r: LogRecord): void => {
    const msg = formatRfc3164(r.level, r.time, this.hostName, this.tag, process.pid, line);
    this.socket.send(msg, this.port, this.host, this.report);
  };

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * syslog = 1: the local syslog socket. Node cannot send unix datagrams, so one long-lived util-linux
 * `logger` child per process reads our lines (each with its `<PRI>` prefix) on stdin and sends them.
 */
export class LocalSyslogSink {
  private child?: ChildProcess;
  private broken = false;

  constructor(
    private readonly opts: SyslogOptions & { socket?: string; command?: string } = {},
  ) {
    this.start();
  }

  private start(): void {
    const args = ['--prio-prefix', '--socket-errors=off', '--size', '8192', `--id=${process.pid}`, '-t', this.opts.tag ?? 'tether'];
    if (this.opts.socket) args.push('--socket', this.opts.socket);
    const child = spawn(this.opts.command ?? 'logger', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    this.child = child;
    child.on('error', (err) => this.fail(new Error(`syslog: cannot run ${this.opts.command ?? 'logger'}: ${err.message}`)));
    child.stdin!.on('error', () => undefined); // the exit handler says what went wrong
    child.on('exit', (code, signal) => {
      if (this.child === child) this.fail(new Error(`syslog: logger exited (${signal ?? code})`));
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private fail(err: Error): void {
    this.child = undefined;
    if (this.broken) return;
    this.broken = true;
    this.opts.onError?.(err);
  }

  readonly sink = (line: string, r: LogRecord): void => {
    const stdin = this.child?.stdin;
    if (stdin?.writable) stdin.write(`<${syslogPriority(r.level)}>${oneLine(line)}\n`);
  };

  /** Ends the child's input: it sends what it has read, then exits. */
  close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        child.kill();
        resolve();
      }, 2000);
      t.unref();
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.stdin!.end();
    });
  }
}

import { appendFileSync } from 'node:fs';
import { Clock, systemClock } from './clock';
import { LogLevel } from './log-level';
import { LogSink, Logger, formatLogLine, stderrSink } from './logger';
import { RotatingFile, RotationOptions } from './rotating-file';
import { LocalSyslogSink, UdpSyslogSink } from './syslog.sink';

/** Where the lines go (O3C 2.4.1), as the configuration says. */
export interface LogSettings {
  level: LogLevel;
  /** Log file; empty: standard error. */
  logfile: string;
  rotation: RotationOptions;
  /** The local syslog (/dev/log). */
  syslog: boolean;
  /** host:port of a syslog server (UDP, RFC 3164); empty: none. */
  syslogServer: string;
}

export interface LogOutputsOptions {
  clock?: Clock;
  /** How often the file's size and date are checked (O3C: every minute). */
  checkIntervalMs?: number;
  /** Standard error (tests capture it). */
  stderr?: LogSink;
  /** The local syslog socket `logger` writes to (default /dev/log) and the command itself. */
  localSyslog?: { socket?: string; command?: string };
}

/**
 * The configured outputs of one process's logger: file (rotated), syslog, standard error. `apply`
 * is idempotent and runs at start and on every reload; sinks added with `Logger.addSink` (debug.cgi)
 * are not touched. A file that cannot be opened throws from `apply`: at start that stops the process,
 * on reload the caller keeps the outputs in force and says why.
 */
export class LogOutputs {
  private file?: RotatingFile;
  private udp?: { server: string; sink: UdpSyslogSink };
  private local?: LocalSyslogSink;
  private closed = false;
  private readonly clock: Clock;
  private readonly stderr: LogSink;

  constructor(
    private readonly logger: Logger,
    private readonly opts: LogOutputsOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.stderr = opts.stderr ?? stderrSink;
  }

  /** The file in use, if any (specs, the rotation check). */
  get logfile(): RotatingFile | undefined {
    return this.file;
  }

  apply(s: LogSettings): void {
    if (this.closed) return;
    const udp = s.syslogServer ? this.udpFor(s.syslogServer) : undefined;
    let file: RotatingFile | undefined;
    try {
      file = this.fileFor(s);
    } catch (err) {
      if (udp && udp !== this.udp?.sink) void udp.close();
      throw err;
    }
    // Only now that nothing can throw: retire what the new settings drop.
    if (this.file && this.file !== file) void this.file.close();
    this.file = file;
    if (this.udp && this.udp.sink !== udp) void this.udp.sink.close();
    this.udp = udp ? { server: s.syslogServer, sink: udp } : undefined;
    if (s.syslog && !this.local) this.local = new LocalSyslogSink({ ...this.opts.localSyslog, onError: (e) => this.complain(e) });
    if (!s.syslog && this.local) void this.local.close();
    if (!s.syslog) this.local = undefined;

    const sinks: LogSink[] = [];
    if (file) sinks.push((line) => file.write(line));
    else sinks.push(this.stderr);
    if (this.local) sinks.push(this.local.sink);
    if (udp) sinks.push(udp.sink);
    this.logger.setSinks(sinks);
    this.logger.setLevel(s.level);
  }

  /** Flushes and closes everything; later lines go to the file synchronously (or standard error). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const path = this.file?.path;
    const pending = [this.file?.close(), this.udp?.sink.close(), this.local?.close()];
    this.logger.setSinks([path ? (line) => appendFileSync(path, line + '\n') : this.stderr]);
    await Promise.all(pending);
  }

  private fileFor(s: LogSettings): RotatingFile | undefined {
    if (!s.logfile) return undefined;
    if (this.file?.path === s.logfile) {
      this.file.configure(s.rotation);
      return this.file;
    }
    try {
      return new RotatingFile(s.logfile, {
        ...s.rotation,
        clock: this.clock,
        checkIntervalMs: this.opts.checkIntervalMs,
        onError: (e) => this.complain(e),
      });
    } catch (err) {
      throw new Error(`logfile ${s.logfile}: ${(err as Error).message}`);
    }
  }

  private udpFor(server: string): UdpSyslogSink {
    if (this.udp?.server === server) return this.udp.sink;
    return new UdpSyslogSink(server, { onError: (e) => this.complain(new Error(`syslog_server ${server}: ${e.message}`)) });
  }

  /** An output failed: say so where it can still be read. */
  private complain(err: Error): void {
    const record = { time: this.clock.now(), level: 'error' as const, component: 'log', message: err.message, ctx: {} };
    this.stderr(formatLogLine(record), record);
  }
}

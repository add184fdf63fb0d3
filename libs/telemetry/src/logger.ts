import { appendFileSync } from 'node:fs';
import { LOG_LEVELS, LogLevel, LogLevelName } from './log-level';

export interface LogContext {
  /** `count.mac@addr` of the device connection the line is about. */
  client?: string;
  /** `requestid@addr` of the user request the line is about. */
  user?: string;
}

export interface LogRecord {
  time: number;
  level: LogLevelName;
  component: string;
  message: string;
  ctx: LogContext;
}

export type LogSink = (line: string, record: LogRecord) => void;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time as `YYYY-MM-DD HH:MM:SS.SSSSSS` (O3C 2.4.1). */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`
  );
}

/** `[time] [level] [component] [user …] [client …] message` */
export function formatLogLine(r: LogRecord): string {
  let line = `[${formatLogTime(r.time)}] [${r.level}] [${r.component}]`;
  if (r.ctx.user) line += ` [user ${r.ctx.user}]`;
  if (r.ctx.client) line += ` [client ${r.ctx.client}]`;
  return `${line} ${r.message}`;
}

export interface LoggerOptions {
  level?: LogLevel;
  sinks?: LogSink[];
  now?: () => number;
}

/** A sink added with addSink: it receives records up to its own level, whatever the logger's level. */
interface Tap {
  sink: LogSink;
  level: LogLevel;
}

/** A logger with O3C levels; children share level and sinks. */
export class Logger {
  private state: { level: LogLevel; sinks: LogSink[]; now: () => number; taps: Tap[]; effective: LogLevel };

  constructor(
    opts: LoggerOptions = {},
    private readonly component = 'tether',
    shared?: Logger['state'],
  ) {
    this.state = shared ?? {
      level: opts.level ?? LOG_LEVELS.notice,
      sinks: opts.sinks ?? [stderrSink],
      now: opts.now ?? Date.now,
      taps: [],
      effective: opts.level ?? LOG_LEVELS.notice,
    };
  }

  child(component: string): Logger {
    return new Logger({}, component, this.state);
  }

  setLevel(level: LogLevel): void {
    this.state.level = level;
    this.updateEffective();
  }

  /**
   * An extra sink with its own level (the debug stream: debug.cgi may ask for more than `loglevel`):
   * while it is there, records up to its level are built; the other sinks still get only theirs.
   * Returns its removal.
   */
  addSink(sink: LogSink, level: LogLevel = this.state.level): () => void {
    const tap: Tap = { sink, level };
    this.state.taps = [...this.state.taps, tap];
    this.updateEffective();
    return () => {
      this.state.taps = this.state.taps.filter((t) => t !== tap);
      this.updateEffective();
    };
  }

  private updateEffective(): void {
    let e: LogLevel = this.state.level;
    for (const t of this.state.taps) if (t.level > e) e = t.level;
    this.state.effective = e;
  }

  setSinks(sinks: LogSink[]): void {
    this.state.sinks = sinks;
  }

  /** Whether a record of this level would reach any sink (build costly messages only then). */
  enabled(level: LogLevelName): boolean {
    return LOG_LEVELS[level] <= this.state.effective;
  }

  error(message: string, ctx: LogContext = {}): void {
    this.log('error', message, ctx);
  }
  warn(message: string, ctx: LogContext = {}): void {
    this.log('warning', message, ctx);
  }
  notice(message: string, ctx: LogContext = {}): void {
    this.log('notice', message, ctx);
  }
  debug(message: string, ctx: LogContext = {}): void {
    this.log('debug', message, ctx);
  }

  private log(level: LogLevelName, message: string, ctx: LogContext): void {
    if (!this.enabled(level)) return;
    const record: LogRecord = { time: this.state.now(), level, component: this.component, message, ctx };
    const line = formatLogLine(record);
    const n = LOG_LEVELS[level];
    if (n <= this.state.level) for (const sink of this.state.sinks) sink(line, record);
    for (const tap of this.state.taps) if (n <= tap.level) tap.sink(line, record);
  }
}

export const stderrSink: LogSink = (line) => process.stderr.write(line + '\n');

export function fileSink(path: string): LogSink {
  return (line) => appendFileSync(path, line + '\n');
}

/** A logger that drops everything (unit tests, libraries used without one). */
export const silentLogger = new Logger({ level: LOG_LEVELS.nothing, sinks: [] });

import { performance } from 'node:perf_hooks';
import { LOG_LEVELS, LogLevel, LogLevelName } from './log-level';

export interface LogContext {
  /** `count.mac@addr` of the device connection the line is about. */
  client?: string;
  /** `requestid@addr` of the user request the line is about. */
  user?: string;
}

export interface LogRecord {
  /** Milliseconds since the epoch, with a fraction (microseconds) when the clock has one. */
  time: number;
  level: LogLevelName;
  component: string;
  message: string;
  ctx: LogContext;
}

export type LogSink = (line: string, record: LogRecord) => void;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time as `YYYY-MM-DD HH:MM:SS.SSSSSS` (O3C 2.4.1); the fraction of `ms` gives the microseconds. */
export function formatLogTime(ms: number): string {
  const whole = Math.floor(ms);
  const d = new Date(whole);
  const micros = d.getMilliseconds() * 1000 + Math.min(999, Math.floor((ms - whole) * 1000));
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micros, 6)}`
  );
}

/** `[time] [level] [component] [user …] [client …] message` */
export function formatLogLine(r: LogRecord): string {
  let line = `[${formatLogTime(r.time)}] [${r.level}] [${r.component}]`;
  if (r.ctx.user) line += ` [user ${r.ctx.user}]`;
  if (r.ctx.client) line += ` [client ${r.ctx.client}]`;
  return `${line} ${r.message}`;
}

let offset = Date.now() - performance.now();

/**
 * Wall time with microseconds: the monotonic clock anchored to the wall clock, re-anchored whenever
 * they part by more than a millisecond (NTP steps, suspend), so lines never drift from `date`.
 */
export function preciseNow(): number {
  const mono = performance.now();
  const wall = Date.now();
  let t = mono + offset;
  if (t < wall - 1 || t > wall + 1) {
    offset = wall - mono;
    t = wall;
  }
  return t;
}

export interface LoggerOptions {
  level?: LogLevel;
  sinks?: LogSink[];
  now?: () => number;
}

interface ExtraSink {
  sink: LogSink;
  /** Its own level (debug.cgi?level=4 while loglevel is 3); undefined: the logger's. */
  level?: LogLevel;
}

interface LoggerState {
  level: LogLevel;
  /** The configured outputs (file, syslog, stderr): replaced as a whole on reload. */
  sinks: LogSink[];
  /** Sinks added at run time (debug.cgi streams): they survive setSinks. */
  extra: Set<ExtraSink>;
  /** The most verbose level any sink wants: below it no record is even built. */
  max: LogLevel;
  now: () => number;
}

/** A logger with O3C levels; children share level and sinks. */
export class Logger {
  private state: LoggerState;

  constructor(
    opts: LoggerOptions = {},
    private readonly component = 'tether',
    shared?: LoggerState,
  ) {
    const level = opts.level ?? LOG_LEVELS.notice;
    this.state = shared ?? {
      level,
      sinks: opts.sinks ?? [stderrSink],
      extra: new Set(),
      max: level,
      now: opts.now ?? preciseNow,
    };
  }

  child(component: string): Logger {
    return new Logger({}, component, this.state);
  }

  get level(): LogLevel {
    return this.state.level;
  }

  setLevel(level: LogLevel): void {
    this.state.level = level;
    this.updateMax();
  }

  setSinks(sinks: LogSink[]): void {
    this.state.sinks = sinks;
  }

  /**
   * Adds a sink beside the configured outputs until the returned function is called; with a level
   * it gets records up to that level whatever the logger's own level (and only those).
   */
  addSink(sink: LogSink, level?: LogLevel): () => void {
    const entry: ExtraSink = { sink, level };
    this.state.extra.add(entry);
    this.updateMax();
    return () => {
      this.state.extra.delete(entry);
      this.updateMax();
    };
  }

  /** Whether some sink takes records of this level (build costly debug strings only then). */
  enabled(level: LogLevelName): boolean {
    return LOG_LEVELS[level] <= this.state.max;
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

  private updateMax(): void {
    let max: number = this.state.level;
    for (const e of this.state.extra) max = Math.max(max, e.level ?? this.state.level);
    this.state.max = max as LogLevel;
  }

  private log(level: LogLevelName, message: string, ctx: LogContext): void {
    const n = LOG_LEVELS[level];
    const s = this.state;
    if (n > s.max) return;
    const record: LogRecord = { time: s.now(), level, component: this.component, message, ctx };
    const line = formatLogLine(record);
    if (n <= s.level) for (const sink of s.sinks) sink(line, record);
    for (const e of s.extra) if (n <= (e.level ?? s.level)) e.sink(line, record);
  }
}

export const stderrSink: LogSink = (line) => process.stderr.write(line + '\n');

/** A logger that drops everything (unit tests, libraries used without one). */
export const silentLogger = new Logger({ level: LOG_LEVELS.nothing, sinks: [] });

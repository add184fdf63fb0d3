import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_LEVELS } from './log-level';
import { LogOutputs, LogSettings } from './log-outputs';
import { Logger } from './logger';
import { ManualClock } from './manual.clock';

const base: LogSettings = {
  level: LOG_LEVELS.notice,
  logfile: '',
  rotation: { maxBytes: 0, nightly: false, keep: 5 },
  syslog: false,
  syslogServer: '',
};

describe('LogOutputs', () => {
  let dir: string;
  let stderr: string[];
  let clock: ManualClock;
  let logger: Logger;
  let outputs: LogOutputs;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tether-outputs-'));
    stderr = [];
    clock = new ManualClock(new Date(2026, 5, 1, 12, 0, 0).getTime());
    logger = new Logger({ sinks: [] });
    outputs = new LogOutputs(logger, { clock, stderr: (l) => stderr.push(l) });
  });
  afterEach(async () => {
    await outputs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs to standard error without a logfile, and to the file (only) with one', async () => {
    outputs.apply(base);
    logger.notice('to stderr');
    const file = join(dir, 'a.log');
    outputs.apply({ ...base, logfile: file });
    logger.notice('to the file');
    await outputs.close();
    assert.equal(stderr.length, 1);
    assert.match(stderr[0], /\[notice\] \[tether\] to stderr$/);
    assert.match(readFileSync(file, 'utf8'), /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[notice\] \[tether\] to the file\n$/);
  });

  it('applies loglevel, rotation settings and a new logfile on reload', async () => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    outputs.apply({ ...base, logfile: a });
    logger.debug('hidden at notice');
    outputs.apply({ ...base, logfile: a, level: LOG_LEVELS.debug, rotation: { maxBytes: 10, nightly: false, keep: 5 } });
    logger.debug('shown at debug');
    clock.advance(60_000);
    assert.ok(existsSync(`${a}.1`), 'the new logrotation_filesize is checked');
    outputs.apply({ ...base, logfile: b });
    logger.notice('in b');
    await outputs.close();
    assert.match(readFileSync(`${a}.1`, 'utf8'), /shown at debug\n$/);
    assert.doesNotMatch(readFileSync(`${a}.1`, 'utf8'), /hidden/);
    assert.match(readFileSync(b, 'utf8'), /in b\n$/);
  });

  it('keeps the outputs in force when a new logfile cannot be opened, saying which and why', async () => {
    const a = join(dir, 'a.log');
    outputs.apply({ ...base, logfile: a });
    assert.throws(() => outputs.apply({ ...base, logfile: join(dir, 'no', 'such', 'dir.log') }), /logfile .*dir\.log: ENOENT/);
    assert.throws(() => outputs.apply({ ...base, logfile: a, syslogServer: 'nohostport' }), /syslog_server "nohostport" is not host:port/);
    logger.notice('still here');
    await outputs.close();
    assert.match(readFileSync(a, 'utf8'), /still here\n$/);
  });

  it('leaves sinks added with addSink (debug.cgi) in place across reloads', () => {
    const streamed: string[] = [];
    const remove = logger.addSink((l) => streamed.push(l), LOG_LEVELS.debug);
    outputs.apply(base);
    logger.debug('debug for the stream only');
    outputs.apply({ ...base, level: LOG_LEVELS.error });
    logger.notice('notice');
    remove();
    logger.notice('after remove');
    assert.equal(streamed.length, 2);
    assert.equal(stderr.length, 0, 'stderr follows loglevel, not the stream');
  });

  it('adds syslog_server beside the file and stops sending when it is cleared', async () => {
    const rx = dgram.createSocket('udp4');
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString()));
    const server = `127.0.0.1:${rx.address().port}`;
    outputs.apply({ ...base, syslogServer: server });
    logger.error('over udp');
    const until = Date.now() + 5000;
    while (!got.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    outputs.apply(base);
    logger.error('not over udp');
    await new Promise((r) => setTimeout(r, 100));
    rx.close();
    assert.equal(got.length, 1);
    assert.match(got[0], /^<27>.*\[error\] \[tether\] over udp$/);
    assert.equal(stderr.length, 2, 'standard error gets both');
  });

  it('writes lines logged after close synchronously (shutdown hooks that run late)', async () => {
    const a = join(dir, 'a.log');
    outputs.apply({ ...base, logfile: a });
    logger.notice('before close');
    await outputs.close();
    logger.notice('after close');
    assert.equal(readFileSync(a, 'utf8').split('\n').filter(Boolean).length, 2);
  });
});

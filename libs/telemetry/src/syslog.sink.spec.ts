import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { LOG_LEVELS } from './log-level';
import { Logger } from './logger';
import { LocalSyslogSink, UdpSyslogSink, formatRfc3164, parseSyslogServer } from './syslog.sink';

const hasCommand = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('syslog sinks', () => {
  it('formats RFC 3164 with facility daemon and the severity of the level, local time', () => {
    const t = new Date(2026, 2, 5, 7, 8, 9).getTime();
    assert.equal(formatRfc3164('error', t, 'host', 'tether', 42, 'boom'), '<27>Mar  5 07:08:09 host tether[42]: boom');
    assert.equal(formatRfc3164('warning', t, 'h', 't', 1, 'm').slice(0, 4), '<28>');
    assert.equal(formatRfc3164('notice', t, 'h', 't', 1, 'm').slice(0, 4), '<29>');
    assert.equal(formatRfc3164('debug', t, 'h', 't', 1, 'a\nb'), '<31>Mar  5 07:08:09 h t[1]: a b');
  });

  it('rejects a syslog_server that is not host:port', () => {
    assert.deepEqual(parseSyslogServer('[::1]:514'), { host: '::1', port: 514 });
    assert.deepEqual(parseSyslogServer('logs.example:5514'), { host: 'logs.example', port: 5514 });
    for (const bad of ['logs.example', 'host:0', 'host:70000', ':514', 'a:b'])
      assert.throws(() => parseSyslogServer(bad), /syslog_server .* is not host:port/, bad);
  });

  it('sends each O3C line to syslog_server as one datagram', async () => {
    const rx = dgram.createSocket('udp4');
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString()));
    const udp = new UdpSyslogSink(`127.0.0.1:${rx.address().port}`);
    const log = new Logger({ level: LOG_LEVELS.debug, sinks: [udp.sink] });
    log.child('edge').error('device gone', { client: '1.00408c123456@10.0.0.1:2' });
    log.child('user').debug('detail');
    const until = Date.now() + 5000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await udp.close();
    rx.close();
    assert.equal(got.length, 2);
    assert.match(got[0], /^<27>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ tether\[\d+\]: \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[error\] \[edge\] \[client 1\.00408c123456@10\.0\.0\.1:2\] device gone$/);
    assert.match(got[1], /^<31>.* \[debug\] \[user\] detail$/);
  });

  it('reports once when the logger command cannot run, and drops lines quietly', async () => {
    const errors: string[] = [];
    const s = new LocalSyslogSink({ command: 'tether-no-such-logger', onError: (e) => errors.push(e.message) });
    await new Promise((r) => setTimeout(r, 200));
    const log = new Logger({ sinks: [s.sink] });
    log.error('one');
    log.error('two');
    await s.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0], /syslog: cannot run tether-no-such-logger/);
  });

  it('hands lines with their priority to logger, which delivers them to the local socket', { skip: !hasCommand('logger') || !hasCommand('python3') }, async () => {
    // Node cannot bind a unix datagram socket: a python3 receiver stands in for syslogd.
    const dir = mkdtempSync(join(tmpdir(), 'tether-syslog-'));
    const sock = join(dir, 'log');
    const py = spawn('python3', [
      '-c',
      'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready",flush=True)\nfor _ in range(2):\n  print(s.recv(65536).decode(),flush=True)',
      sock,
    ]);
    let out = '';
    py.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const until = Date.now() + 5000;
      while (!out.includes('ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      const s = new LocalSyslogSink({ socket: sock });
      const log = new Logger({ level: LOG_LEVELS.debug, sinks: [s.sink] });
      log.child('edge').warn('slow device');
      log.child('edge').notice('accepted');
      await s.close();
      const [code] = (await Promise.race([once(py, 'exit'), new Promise((r) => setTimeout(() => r([null]), 5000))])) as [number | null];
      assert.equal(code, 0, `the receiver got two datagrams:\n${out}`);
      const lines = out.split('\n').filter((l) => l.startsWith('<'));
      assert.match(lines[0], /^<28>.*tether\[\d+\]: \[.*\] \[warning\] \[edge\] slow device$/);
      assert.match(lines[1], /^<29>.*\[notice\] \[edge\] accepted$/);
    } finally {
      py.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

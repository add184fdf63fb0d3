import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki, TetherProcess, curl, freePort, waitFor, writeConfig } from '@tether/testing';

const MAC = '00408c4d0001';
/** `[YYYY-MM-DD HH:MM:SS.SSSSSS] [level] [component] …` (O3C 2.4.1). */
const LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[(error|warning|notice|debug)\] \[[\w-]+\] .+$/;

describe('logging to a file with rotation, and to a syslog server (O3C 2.4.1)', () => {
  let pki: TestPki;
  let dir: string;
  let logfile: string;
  let server: TetherProcess;
  let agent: TetherProcess | undefined;
  let syslog: dgram.Socket;
  const datagrams: string[] = [];
  let userPort = 0;
  let clientPort = 0;

  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const request = () =>
    curl(['-x', `127.0.0.1:${userPort}`, '-u', 'root:pass', '--fail', `http://${MAC}/axis-cgi/param.cgi?action=list&group=root.RemoteService`]);

  before(async () => {
    pki = await TestPki.create();
    dir = mkdtempSync(join(tmpdir(), 'tether-logging-'));
    logfile = join(dir, 'tether.log');
    syslog = dgram.createSocket('udp4');
    syslog.bind(0, '127.0.0.1');
    await once(syslog, 'listening');
    syslog.on('message', (m) => datagrams.push(m.toString()));
    userPort = await freePort();
    clientPort = await freePort();
    const config = writeConfig(dir, 'tether.conf', {
      stserverid: 'logging-0',
      listen_client: `127.0.0.1:${clientPort}`,
      listen_user: `127.0.0.1:${userPort}`,
      listen_admin: `127.0.0.1:${await freePort()}`,
      cert_file: pki.serverPem,
      ca_cert_file: pki.dispatcherCa,
      provider_ca: pki.providerCa,
      provider_name: 'test',
      keepalive: 2,
      loglevel: 4,
      logfile,
      logrotation_filesize: 2000,
      logrotation_keep: 2,
      logrotation_check_interval: 1,
      syslog_server: `127.0.0.1:${syslog.address().port}`,
    });
    server = new TetherProcess(['server', '--config', config]);
    // A timeout says whether the server still ran and what it had logged (a CI run once saw neither).
    await waitFor(() => {
      if (/\[notice\] \[main\] started$/m.test(read(logfile))) return true;
      throw new Error(`server ${server.running ? 'running' : 'exited'}; ${logfile}:\n${read(logfile)}\noutput:\n${server.output}`);
    }, 15_000, `started in ${logfile}`);
    agent = new TetherProcess(['agent', '--servers', `127.0.0.1:${clientPort}`, '--ca', pki.providerCa, '--cert', await pki.deviceCert(MAC), '--simulate']);
    await agent.waitForOutput(/connected to /);
  });
  after(async () => {
    await agent?.stop();
    await server?.stop();
    syslog?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes O3C lines with local time and microseconds to logfile, debug included at loglevel 4, nothing to stderr', async () => {
    const r = await request();
    assert.equal(r.code, 0, r.stderr);
    const text = await waitFor(() => (/\[debug\]/.test(read(logfile)) ? read(logfile) : ''), 5000, 'debug lines');
    for (const line of text.split('\n').filter(Boolean)) assert.match(line, LINE);
    assert.equal(server.output, '', 'with a logfile nothing goes to standard error');
  });

  it('rotates <logfile> to <logfile>.1 once it passes logrotation_filesize, keeping logrotation_keep files', async () => {
    // Each request logs a few lines; the check runs every second (logrotation_check_interval).
    await waitFor(async () => {
      assert.equal((await request()).code, 0);
      return existsSync(`${logfile}.2`);
    }, 30_000, `${logfile}.2 after two rotations`);
    for (let i = 0; i < 20; i++) assert.equal((await request()).code, 0);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(existsSync(`${logfile}.3`), false, 'logrotation_keep = 2');
    for (const p of [`${logfile}.1`, `${logfile}.2`]) {
      const lines = read(p).split('\n').filter(Boolean);
      assert.ok(lines.length > 0, `${p} has lines`);
      for (const line of lines) assert.match(line, LINE, p);
      // Checked every second: a rotated file is over the threshold, but not by a large multiple.
      assert.ok(Buffer.byteLength(read(p)) > 2000, `${p} passed the threshold before rotating`);
    }
  });

  it('keeps logging to the reopened file after a rotation, in time order', async () => {
    const stamp = (line: string) => line.slice(1, 27);
    let rotated: string[] = [];
    let current: string[] = [];
    await waitFor(async () => {
      assert.equal((await request()).code, 0);
      // .1 first: a rotation between the two reads leaves a current file newer still.
      rotated = read(`${logfile}.1`).trimEnd().split('\n');
      current = read(logfile).trimEnd().split('\n').filter(Boolean);
      return current.length >= 2;
    }, 10_000, 'lines in the reopened file');
    assert.ok(stamp(current[0]) >= stamp(rotated[rotated.length - 1]), `${current[0]} follows ${rotated[rotated.length - 1]}`);
    for (let i = 1; i < current.length; i++) assert.ok(stamp(current[i]) >= stamp(current[i - 1]), 'lines in order');
  });

  it('sends the same lines to syslog_server as RFC 3164 datagrams, facility daemon', () => {
    assert.ok(datagrams.length > 10, `datagrams: ${datagrams.length}`);
    for (const d of datagrams) assert.match(d, /^<(27|28|29|31)>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ tether\[\d+\]: \[\d{4}-\d\d-\d\d .+$/);
    assert.ok(datagrams.some((d) => d.startsWith('<31>') && d.includes('[debug]')));
    assert.ok(datagrams.some((d) => d.startsWith('<29>') && d.includes('[notice] [main] started')));
  });

  it('flushes the file at shutdown', async () => {
    await agent?.stop();
    agent = undefined;
    await server.stop();
    assert.equal(server.output, '', 'nothing on standard error, shutdown included');
    // The process exits right after its shutdown hooks: the last line arrives only if the stream was flushed.
    assert.match(read(logfile) + read(`${logfile}.1`), /\] \[notice\] \[main\] shutting down \(SIGTERM\)$/m);
  });
});

describe('logging follows a reload (SIGUSR1), and reloads are counted in /metrics', () => {
  it('moves to a new logfile at the new loglevel; a bad file keeps the old one; an invalid configuration counts as failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-logging-reload-'));
    const metricsPort = await freePort();
    const base = {
      stserverid: 'reload-0',
      listen_user: `127.0.0.1:${await freePort()}`,
      listen_admin: `127.0.0.1:${await freePort()}`,
      listen_metrics: `127.0.0.1:${metricsPort}`,
      loglevel: 3,
    };
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    const config = writeConfig(dir, 'tether.conf', { ...base, logfile: a });
    const p = new TetherProcess(['server', '--config', config]);
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    const reloads = async (result: string) => {
      const r = await curl(['-sS', `http://127.0.0.1:${metricsPort}/metrics`]);
      const m = new RegExp(`^tether_config_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(r.stdout.toString());
      return m ? Number(m[1]) : -1;
    };
    try {
      await waitFor(() => /\[main\] started$/m.test(read(a)), 15_000, `started in ${a}:\n${p.output}`);
      assert.doesNotMatch(read(a), /\[debug\]/, 'loglevel 3');

      writeConfig(dir, 'tether.conf', { ...base, logfile: b, loglevel: 4 });
      process.kill(p.pid!, 'SIGUSR1');
      await waitFor(async () => (await reloads('ok')) === 1, 10_000, 'one reload counted ok');
      await waitFor(() => /\[config\] configuration reloaded/.test(read(b)), 5000, `the reload line in ${b}`);
      assert.doesNotMatch(read(a), /configuration reloaded/, 'the old file no longer gets lines');

      writeConfig(dir, 'tether.conf', { ...base, logfile: join(dir, 'missing', 'c.log'), loglevel: 4 });
      process.kill(p.pid!, 'SIGUSR1');
      await waitFor(() => /\[error\] \[log\] logfile .*missing\/c\.log: ENOENT.*; logging continues as before$/m.test(read(b)), 10_000, `the refusal in ${b}`);

      writeConfig(dir, 'tether.conf', { ...base, logfile: b, loglevel: 9 });
      process.kill(p.pid!, 'SIGUSR1');
      await waitFor(async () => (await reloads('failed')) === 1, 10_000, 'an invalid configuration counted failed');
      assert.equal(p.running, true);
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logging: a bad configuration stops the process with the reason', () => {
  for (const [key, value, reason] of [
    ['logfile', '/nonexistent-tether-dir/tether.log', /logfile \/nonexistent-tether-dir\/tether\.log: ENOENT/],
    ['syslog_server', 'logs.example', /syslog_server "logs\.example" is not host:port/],
  ] as const) {
    it(`${key} = ${value}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tether-logging-bad-'));
      try {
        const config = writeConfig(dir, 'bad.conf', {
          stserverid: 'bad',
          listen_user: `127.0.0.1:${await freePort()}`,
          listen_admin: `127.0.0.1:${await freePort()}`,
          [key]: value,
        });
        const p = new TetherProcess(['server', '--config', config]);
        const code = await p.exited;
        assert.notEqual(code, 0);
        assert.match(p.output, reason);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

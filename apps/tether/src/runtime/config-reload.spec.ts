import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigHolder, loadConfigFile, printConfig } from '@tether/config';
import { reloadCluster } from '@tether/app-control';
import { ClusterNode, MemoryClusterBus } from '@tether/cluster';
import { LOG_LEVELS, Logger, systemClock } from '@tether/telemetry';
import { ConfigReloader, answerConfigReloads } from './config-reload';

function setup(initial: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-reload-'));
  const file = join(dir, 'tether.conf');
  writeFileSync(file, initial);
  const load = (f: string) => loadConfigFile(f, { env: {} });
  const live = new ConfigHolder(load(file));
  const lines: string[] = [];
  const logger = new Logger({ level: LOG_LEVELS.debug, sinks: [(l) => lines.push(l)] });
  const reloader = new ConfigReloader({ file, live, logger, load });
  return { file, live, lines, reloader, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('ConfigReloader', () => {
  it('puts live keys in force and logs each static key that changed as needing a restart', () => {
    const t = setup('listen_client = 127.0.0.1:8443\nkeepalive = 20\nrequest_timeout = 30\nloglevel = 3\n');
    writeFileSync(t.file, 'listen_client = 127.0.0.1:9443\nkeepalive = 5\nrequest_timeout = 12\nloglevel = 4\nprovider_name = other\n');
    const r = t.reloader.reload('SIGUSR1');
    assert.deepEqual(r, { ok: true, notApplied: ['listen_client', 'provider_name', 'keepalive'] });
    assert.equal(t.live.current.request_timeout, 12);
    assert.equal(t.live.current.loglevel, 4);
    assert.equal(t.live.current.keepalive, 20);
    assert.equal(t.live.current.provider_name, '');
    assert.equal(t.live.reloads, 1);
    for (const k of ['listen_client', 'provider_name', 'keepalive'])
      assert.ok(t.lines.some((l) => l.includes('[warning]') && l.includes(`reload (SIGUSR1): ${k} changed but cannot change while running`)), k);
    assert.ok(t.lines.some((l) => l.includes('[notice]') && l.includes(`configuration reloaded from ${t.file} (SIGUSR1)`)));
    t.done();
  });

  it('refuses an invalid file, logs every problem with its line, and keeps the configuration in force', () => {
    const t = setup('request_timeout = 30\n');
    const before = printConfig(t.live.current);
    writeFileSync(t.file, 'request_timeout = 5\nkeepalive = soon\nno_such_key = 1\n');
    const r = t.reloader.reload('reload_config.cgi');
    assert.equal(r.ok, false);
    assert.equal(printConfig(t.live.current), before);
    assert.equal(t.live.reloads, 0);
    assert.ok(t.lines.some((l) => l.includes('[error]') && l.includes(`reload (reload_config.cgi) refused, the configuration in force stays: ${t.file} is invalid`)));
    assert.ok(t.lines.some((l) => l.includes(`${t.file}:2: keepalive: "soon" is not a whole number`)));
    assert.ok(t.lines.some((l) => l.includes(`${t.file}:3: no_such_key: unknown key`)));
    t.done();
  });

  it('refuses a file that cannot be read', () => {
    const t = setup('');
    rmSync(t.file);
    assert.equal(t.reloader.reload('SIGUSR1').ok, false);
    assert.ok(t.lines.some((l) => l.includes('cannot read')));
    t.done();
  });

  it('refuses to drop the credentials a non-loopback listener demands', () => {
    const t = setup('listen_admin = 0.0.0.0:8080\nadmin_credentials = admin:pw\n');
    writeFileSync(t.file, 'listen_admin = 0.0.0.0:8080\n');
    const r = t.reloader.reload('SIGUSR1');
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /listen_admin 0\.0\.0\.0:8080 is not loopback: set admin_credentials/);
    assert.equal(t.live.current.admin_credentials, 'admin:pw');
    t.done();
  });

  it('refuses with a logged reason when the process has no configuration file', () => {
    const t = setup('');
    const lines: string[] = [];
    const none = new ConfigReloader({ file: null, live: t.live, logger: new Logger({ sinks: [(l) => lines.push(l)] }) });
    assert.deepEqual(none.reload('reload_config.cgi'), { ok: false, reason: 'no configuration file to reload (started without --config)' });
    assert.ok(lines.some((l) => l.includes('[error]') && l.includes('no configuration file to reload')));
    t.done();
  });
});

describe('answerConfigReloads', () => {
  it("reloads this process's file when control asks over the cluster bus", async () => {
    const t = setup('request_timeout = 30\n');
    const bus = new MemoryClusterBus();
    const node = new ClusterNode({ bus, role: 'edge', serverId: 'edge-0', clock: systemClock, logger: new Logger({ level: 0, sinks: [] }) });
    answerConfigReloads(node, t.reloader);
    await node.start();
    try {
      writeFileSync(t.file, 'request_timeout = 8\n');
      assert.deepEqual(await reloadCluster(bus, { deadlineMs: 1000 }), { reloaded: 1, failed: [] });
      assert.equal(t.live.current.request_timeout, 8);
      assert.ok(t.lines.some((l) => l.includes('(reload_config.cgi via control)')));
      writeFileSync(t.file, 'request_timeout = soon\n');
      const report = await reloadCluster(bus, { deadlineMs: 1000 });
      assert.equal(report.failed.length, 1);
      assert.match(report.failed[0].reason, /request_timeout: "soon" is not a whole number/);
      assert.equal(t.live.current.request_timeout, 8);
    } finally {
      await node.stop();
      t.done();
    }
  });
});

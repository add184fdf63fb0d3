import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TetherCluster, TetherProcess, curl, freePort, waitForOutputSince, writeConfig } from '@tether/testing';

const SECRETS = { credentials: 'root:cred-s3cret', admin_credentials: 'admin:adm-s3cret', cluster_token: 'tok-s3cret' };

/** The reference 3.9.1 example, header by header. */
function assertReloadFailed(raw: string): void {
  const [head, body] = raw.split('\r\n\r\n');
  const lines = head.split('\r\n');
  assert.equal(lines[0], 'HTTP/1.1 500 Server Error');
  assert.ok(lines.includes('Content-Type: text/plain'), head);
  assert.ok(lines.includes('Connection: close'), head);
  assert.ok(lines.includes('Content-Length: 49'), head);
  assert.equal(body, 'Request failed. (Reason: Internal Server Error.)\n');
}

describe('control: print_config.cgi, reload_config.cgi, SIGUSR1, listen_admin_https', () => {
  let cluster: TetherCluster;
  let admin = 0;
  let controlConf: Record<string, string | number> = {};
  const auth = (creds = SECRETS.admin_credentials) => ['-u', creds];
  const url = (cgi: string) => `http://127.0.0.1:${admin}/admin/${cgi}`;
  const printed = async (creds?: string) => (await curl([...auth(creds), '--fail', url('print_config.cgi')])).stdout.toString();
  const writeControl = (values: Record<string, string | number>) => writeConfig(cluster.dir, 'control.conf', values);

  before(async () => {
    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { cluster_token: SECRETS.cluster_token } });
    admin = await cluster.startControl({ ...SECRETS, request_timeout: 30, keepalive: 20 });
    controlConf = {
      stserverid: 'control-0',
      listen_admin: `127.0.0.1:${admin}`,
      redis_url: cluster.redis.url,
      loglevel: 4,
      ...SECRETS,
      request_timeout: 30,
      keepalive: 20,
    };
  });
  after(async () => {
    await cluster?.stop();
  });

  it('print_config.cgi lists the configuration in force with every secret as a single *', async () => {
    const r = await curl([...auth(), '-i', url('print_config.cgi')]);
    const [head, body] = r.stdout.toString().split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Type: text\/plain\r\n/);
    const lines = body.slice(0, -1).split('\n');
    assert.ok(body.endsWith('\n'));
    assert.ok(lines.every((l) => /^[a-z0-9_]+ = /.test(l)), body);
    for (const key of Object.keys(SECRETS)) assert.ok(lines.includes(`${key} = *`), `${key} masked`);
    assert.doesNotMatch(body, /s3cret/);
    assert.ok(lines.includes(`listen_admin = 127.0.0.1:${admin}`));
    assert.ok(lines.includes('request_timeout = 30'));
  });

  it('reload_config.cgi applies a valid changed file: live keys take effect, static ones are logged and kept', async () => {
    const since = cluster.control!.output.length;
    writeControl({ ...controlConf, request_timeout: 12, loglevel: 3, keepalive: 5, admin_credentials: 'admin:rotated' });
    const r = await curl([...auth(), '-i', url('reload_config.cgi')]);
    const [head, body] = r.stdout.toString().split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Length: 0\r\n/);
    assert.equal(body, '');
    // admin_credentials is live: the old password is refused from now on, the new one works.
    const old = await curl(['-i', ...auth(), url('print_config.cgi')]);
    assert.match(old.stdout.toString(), /^HTTP\/1\.1 401 /);
    const text = await printed('admin:rotated');
    assert.match(text, /^request_timeout = 12$/m);
    assert.match(text, /^loglevel = 3$/m);
    assert.match(text, /^keepalive = 20$/m, 'a static key keeps its value until restart');
    await waitForOutputSince(cluster.control!, since, /\[warning\] \[config\] reload \(reload_config\.cgi\): keepalive changed but cannot change while running; in force after a restart/);
    await waitForOutputSince(cluster.control!, since, /configuration reloaded from \S+control\.conf \(reload_config\.cgi\)/);
    controlConf = { ...controlConf, request_timeout: 12, loglevel: 3, keepalive: 5, admin_credentials: 'admin:rotated' };
  });

  it('reload_config.cgi refuses an invalid file with the reference 500; the old configuration stays in force', async () => {
    const before = await printed('admin:rotated');
    const since = cluster.control!.output.length;
    writeControl({ ...controlConf, request_timeout: 5, keepalive: 'soon', admin_credentials: 'admin:other' });
    const r = await curl([...auth('admin:rotated'), '-i', url('reload_config.cgi')]);
    assert.equal(r.code, 0, r.stderr);
    assertReloadFailed(r.stdout.toString());
    assert.equal(await printed('admin:rotated'), before);
    await waitForOutputSince(cluster.control!, since, /\[error\] \[config\] reload \(reload_config\.cgi\) refused, the configuration in force stays/);
    await waitForOutputSince(cluster.control!, since, /control\.conf:\d+: keepalive: "soon" is not a whole number/);
  });

  it('SIGUSR1 reloads an edge, the gateway and control from their files', async () => {
    const edge = cluster.edges[0];
    const targets: Array<[TetherProcess, string, Record<string, string | number>]> = [
      [edge.proc, edge.config, { stserverid: edge.id, listen_client: `127.0.0.1:${edge.clientPort}`, grpc_listen: `127.0.0.1:${edge.grpcPort}`, cert_file: cluster.pki.serverPem, ca_cert_file: cluster.pki.dispatcherCa, redis_url: cluster.redis.url, presence_ttl: 6, keepalive: 3, loglevel: 4, cluster_token: SECRETS.cluster_token, request_timeout: 9 }],
      [cluster.gateway, join(cluster.dir, 'gateway.conf'), { stserverid: 'gateway-0', listen_user: `127.0.0.1:${cluster.userPort}`, redis_url: cluster.redis.url, presence_ttl: 6, loglevel: 4, request_timeout: 9 }],
      [cluster.control!, join(cluster.dir, 'control.conf'), { ...controlConf, request_timeout: 9 }],
    ];
    for (const [proc, file, values] of targets) {
      const since = proc.output.length;
      writeConfig(cluster.dir, file.slice(cluster.dir.length + 1), values);
      process.kill(proc.pid!, 'SIGUSR1');
      await waitForOutputSince(proc, since, /configuration reloaded from \S+ \(SIGUSR1\)/);
      assert.ok(proc.running, `${proc.args[0]} still runs`);
      assert.doesNotMatch(proc.output, /Debugger listening/, 'SIGUSR1 does not open the inspector');
    }
    // The edge's keepalive is static: reported, not applied.
    assert.match(edge.proc.output, /reload \(SIGUSR1\): keepalive changed but cannot change while running/);
    assert.match(await printed('admin:rotated'), /^request_timeout = 9$/m);
  });

  it('SIGUSR1 with an invalid file logs every problem and keeps the process running', async () => {
    const since = cluster.gateway.output.length;
    writeConfig(cluster.dir, 'gateway.conf', { listen_user: `127.0.0.1:${cluster.userPort}`, redis_url: cluster.redis.url, request_timeout: 0, bogus_key: 1 });
    process.kill(cluster.gateway.pid!, 'SIGUSR1');
    await waitForOutputSince(cluster.gateway, since, /gateway\.conf:3: request_timeout: must be at least 1/);
    await waitForOutputSince(cluster.gateway, since, /gateway\.conf:4: bogus_key: unknown key/);
    assert.ok(cluster.gateway.running);
  });

  it('reload_config.cgi reloads every process: 500 naming the gateway while its file is invalid, 200 once fixed', async () => {
    // The gateway's file is still the invalid one of the test before.
    const since = cluster.control!.output.length;
    const r = await curl([...auth('admin:rotated'), '-i', url('reload_config.cgi')]);
    assertReloadFailed(r.stdout.toString());
    await waitForOutputSince(cluster.control!, since, /reload_config\.cgi: gateway-0\/gateway\/\S+ did not reload: .*gateway\.conf:3: request_timeout: must be at least 1/);
    // Fixed: every process reloads its own file when control is asked.
    writeConfig(cluster.dir, 'gateway.conf', { stserverid: 'gateway-0', listen_user: `127.0.0.1:${cluster.userPort}`, redis_url: cluster.redis.url, presence_ttl: 6, loglevel: 4, request_timeout: 7 });
    const edge = cluster.edges[0];
    const marks = [cluster.gateway.output.length, edge.proc.output.length];
    const ok = await curl([...auth('admin:rotated'), '-i', url('reload_config.cgi')]);
    assert.match(ok.stdout.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    await waitForOutputSince(cluster.gateway, marks[0], /configuration reloaded from \S+gateway\.conf \(reload_config\.cgi via control\)/);
    await waitForOutputSince(edge.proc, marks[1], /configuration reloaded from \S+\.conf \(reload_config\.cgi via control\)/);
  });

  it('listen_admin_https answers over TLS with cert_file, verified against the provider CA', async () => {
    const port = await freePort();
    const conf = writeConfig(cluster.dir, 'control-https.conf', {
      stserverid: 'control-https',
      listen_admin_https: `127.0.0.1:${port}`,
      cert_file: cluster.pki.serverPem,
      redis_url: cluster.redis.url,
      ...SECRETS,
    });
    const proc = new TetherProcess(['control', '--config', conf]);
    try {
      await proc.waitForOutput(/listen_admin_https on 127\.0\.0\.1:\d+/);
      const r = await curl(['--cacert', cluster.pki.providerCa, ...auth(), '--fail', `https://127.0.0.1:${port}/admin/print_config.cgi`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), new RegExp(`^listen_admin_https = 127\\.0\\.0\\.1:${port}$`, 'm'));
      assert.match(r.stdout.toString(), /^listen_admin = $/m);
      // The invalid-reload answer is the same over HTTPS.
      writeConfig(cluster.dir, 'control-https.conf', { listen_admin_https: `127.0.0.1:${port}`, keepalive: 'x' });
      assertReloadFailed((await curl(['--cacert', cluster.pki.providerCa, ...auth(), '-i', `https://127.0.0.1:${port}/admin/reload_config.cgi`])).stdout.toString());
      // Plain HTTP on the HTTPS port gets no admin answer.
      const plain = await curl([...auth(), `http://127.0.0.1:${port}/admin/print_config.cgi`]);
      assert.doesNotMatch(plain.stdout.toString(), /listen_admin_https =/);
    } finally {
      await proc.stop();
    }
  });

  it('refuses to start a control with neither listen_admin nor listen_admin_https', async () => {
    const conf = writeConfig(cluster.dir, 'control-none.conf', { stserverid: 'control-none', redis_url: cluster.redis.url });
    const proc = new TetherProcess(['control', '--config', conf]);
    assert.equal(await proc.exited, 1);
    assert.match(
      proc.output,
      /tether control: control needs listen_admin \(HTTP\) or listen_admin_https \(HTTPS with cert_file\), or both; neither is set/,
    );
  });
});

describe('tether server (all-in-one): reload and the admin listener rule', () => {
  let dir: string;
  const procs: TetherProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tether-adm-server-'));
  });
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (args: string[], env: Record<string, string> = {}) => {
    const p = new TetherProcess(args, { cwd: dir, env });
    procs.push(p);
    return p;
  };

  it('with --config reloads that file: 200 when valid, the reference 500 when not', async () => {
    const port = await freePort();
    const conf = writeConfig(dir, 'server.conf', { listen_admin: `127.0.0.1:${port}`, request_timeout: 30 });
    const p = start(['server', '--config', conf]);
    await p.waitForOutput(/listen_admin on/);
    writeConfig(dir, 'server.conf', { listen_admin: `127.0.0.1:${port}`, request_timeout: 4 });
    const ok = await curl(['-i', `http://127.0.0.1:${port}/admin/reload_config.cgi`]);
    assert.match(ok.stdout.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match((await curl([`http://127.0.0.1:${port}/admin/print_config.cgi`])).stdout.toString(), /^request_timeout = 4$/m);
    writeConfig(dir, 'server.conf', { listen_admin: `127.0.0.1:${port}`, request_timeout: 'never' });
    assertReloadFailed((await curl(['-i', `http://127.0.0.1:${port}/admin/reload_config.cgi`])).stdout.toString());
    assert.match((await curl([`http://127.0.0.1:${port}/admin/print_config.cgi`])).stdout.toString(), /^request_timeout = 4$/m);
  });

  it('the embedded default has no file to reload: 500, and the log says why', async () => {
    const [client, user, admin, ext] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const p = start(['server', '--dir', join(dir, 'var')], {
      TETHER_LISTEN_CLIENT: `127.0.0.1:${client}`,
      TETHER_LISTEN_USER: `127.0.0.1:${user}`,
      TETHER_LISTEN_ADMIN: `127.0.0.1:${admin}`,
      TETHER_LISTEN_USER_EXT: `127.0.0.1:${ext}`,
    });
    await p.waitForOutput(/listen_admin on/, 60_000);
    assertReloadFailed((await curl(['-i', `http://127.0.0.1:${admin}/admin/reload_config.cgi`])).stdout.toString());
    await p.waitForOutput(/\[error\] \[config\] reload \(reload_config\.cgi\) refused: no configuration file to reload \(started without --config\)/);
  });

  it('refuses to start without listen_admin and listen_admin_https', async () => {
    const conf = writeConfig(dir, 'none.conf', { request_timeout: 30 });
    const p = start(['server', '--config', conf]);
    assert.equal(await p.exited, 1);
    assert.match(p.output, /tether server: control needs listen_admin \(HTTP\) or listen_admin_https \(HTTPS with cert_file\), or both; neither is set/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { askCgi, controlDeps } from '../testing/control-deps.fixture';
import { ConfigReloadResult } from './config-reload.port';
import { PrintConfigCgi } from './print-config.cgi';
import { RELOAD_FAILED_BODY, ReloadConfigCgi } from './reload-config.cgi';

const reloadAnswering = (result: ConfigReloadResult) => {
  const triggers: string[] = [];
  return { triggers, reload: { reload: (t: string) => (triggers.push(t), result) } };
};

describe('reload_config.cgi', () => {
  it('answers 200 without a body when the reload succeeds', async () => {
    const r = reloadAnswering({ ok: true, notApplied: ['keepalive'] });
    const cgi = new ReloadConfigCgi(controlDeps('', { reload: r.reload }));
    const a = await askCgi(cgi, '/admin/reload_config.cgi');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-length'], '0');
    assert.equal(a.headers['content-type'], undefined);
    assert.equal(a.body, '');
    assert.deepEqual(r.triggers, ['reload_config.cgi']);
  });

  it('answers exactly the reference 3.9.1 example when the new file is invalid', async () => {
    const r = reloadAnswering({ ok: false, reason: 'control.conf:3: keepalive: "x" is not a whole number' });
    const a = await askCgi(new ReloadConfigCgi(controlDeps('', { reload: r.reload })), '/admin/reload_config.cgi');
    assert.equal(a.status, 500);
    assert.equal(a.statusMessage, 'Server Error');
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.equal(a.headers['connection'], 'close');
    assert.equal(a.headers['content-length'], '49');
    assert.equal(a.body, 'Request failed. (Reason: Internal Server Error.)\n');
    assert.equal(Buffer.byteLength(RELOAD_FAILED_BODY), 49);
  });

  it('answers 500 and logs why when there is no configuration file to reload', async () => {
    const deps = controlDeps();
    const a = await askCgi(new ReloadConfigCgi(deps), '/admin/reload_config.cgi');
    assert.equal(a.status, 500);
    assert.equal(a.body, RELOAD_FAILED_BODY);
    assert.ok(deps.lines.some((l) => l.includes('[error]') && l.includes('no configuration file to reload')));
  });
});

describe('print_config.cgi', () => {
  it('prints the configuration in force as key = value, every secret as a single *', async () => {
    const deps = controlDeps(
      ['credentials = root:secret1', 'admin_credentials = admin:secret2', 'cluster_token = secret3', 'request_timeout = 7'].join('\n'),
    );
    const a = await askCgi(new PrintConfigCgi(deps), '/admin/print_config.cgi');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.ok(a.body.endsWith('\n'));
    const lines = a.body.slice(0, -1).split('\n');
    assert.ok(lines.every((l) => /^[a-z0-9_]+ = .*$/.test(l)), a.body);
    for (const k of ['credentials', 'admin_credentials', 'cluster_token']) assert.ok(lines.includes(`${k} = *`), k);
    assert.ok(lines.includes('user_credentials = '), 'an unset secret prints empty, not *');
    assert.ok(lines.includes('request_timeout = 7'));
    assert.doesNotMatch(a.body, /secret\d/);
  });

  it('prints a live value a reload put in force', async () => {
    const deps = controlDeps('request_timeout = 7');
    deps.live.apply({ ...deps.live.current, request_timeout: 9 });
    const a = await askCgi(new PrintConfigCgi(deps), '/admin/print_config.cgi');
    assert.match(a.body, /^request_timeout = 9$/m);
  });
});

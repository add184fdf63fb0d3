import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@tether/config';
import { LOG_LEVELS, Logger, systemClock } from '@tether/telemetry';
import { TestPki } from '@tether/testing';
import { withAccount } from '../accounts/account.store';
import { DispatcherCore } from '../dispatch/dispatcher.core';
import { ProviderApiServer } from './provider-api.server';
import { MAX_BODY } from './json-body';

describe('provider API (dispatcher_api_listen)', () => {
  let pki: TestPki;
  let dir: string;
  let core: DispatcherCore;
  let api: ProviderApiServer;
  let port = 0;

  before(async () => {
    pki = await TestPki.create();
    dir = mkdtempSync(join(tmpdir(), 'dispatcher-api-'));
    const accounts = join(dir, 'accounts');
    writeFileSync(accounts, await withAccount('', accounts, 'acme', 'secret'));
    const config = parseConfig(
      [
        'dispatcher_listen = 127.0.0.1:0',
        'dispatcher_api_listen = 127.0.0.1:0',
        `cert_file = ${pki.serverPem}`,
        `ca_cert_file = ${pki.dispatcherCa}`,
        `dispatcher_accounts = ${accounts}`,
        `dispatcher_state = ${join(dir, 'state.json')}`,
        `dispatcher_ca_dir = ${pki.dispatcherDir}`,
      ].join('\n'),
      'dispatcher.conf',
      { env: {} },
    );
    const deps = { config, logger: new Logger({ level: LOG_LEVELS.nothing }), clock: systemClock };
    core = await DispatcherCore.open(deps);
    api = new ProviderApiServer(deps, core);
    await api.onApplicationBootstrap();
    port = api.address()!.port;
  });
  after(() => {
    api.onApplicationShutdown();
    core.crl.stop();
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (path: string, body: string | null, opts: { method?: string; type?: string } = {}) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path, method: opts.method ?? 'POST', ca: pki.read(pki.providerCa), agent: false, headers: { 'Content-Type': opts.type ?? 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });

  it('registers a device that waits at the dispatcher: 200 with what was done', async () => {
    core.service.arrived({ mac: '00408ca03af0', oak: '5A8A-26D0-52AC', serial: '1f' });
    const body = { user: 'acme', pass: 'secret', mac: '00408CA03AF0', oak: '5A8A-26D0-52AC', server: 'a.example:8443', caPem: pki.read(pki.providerCa) };
    const r = await ask('/register', JSON.stringify(body));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { mac: '00408ca03af0', account: 'acme', servers: ['a.example:8443'], provisioned: false, devices: ['00408ca03af0'], serversChanged: true });
  });

  it('checks the password against the scrypt account file: 401 with the reason', async () => {
    const r = await ask('/unregister', JSON.stringify({ user: 'acme', pass: 'wrong', mac: '00408CA03AF0' }));
    assert.deepEqual(r, { status: 401, json: { error: 'Invalid user or password' } });
  });

  it('unregisters: 200 with the revoked serial', async () => {
    const r = await ask('/unregister', JSON.stringify({ user: 'acme', pass: 'secret', mac: '00408CA03AF0' }));
    assert.deepEqual(r, { status: 200, json: { mac: '00408ca03af0', account: 'acme', revokedSerial: '1f' } });
  });

  const bad: Array<[string, string, string | null, { method?: string; type?: string }, number, string]> = [
    ['an unknown path', '/list', '{}', {}, 404, 'No such API: "/list" (POST /register or /unregister)'],
    ['GET', '/register', null, { method: 'GET' }, 405, 'register takes POST'],
    ['a form body', '/register', 'user=acme', { type: 'application/x-www-form-urlencoded' }, 415, 'Expected a JSON body (Content-Type: application/json)'],
    ['broken JSON', '/register', '{"user":', {}, 400, 'Request body is not valid JSON'],
    ['a JSON array', '/register', '[]', {}, 400, 'Request body must be a JSON object'],
    ['a body too large', '/register', JSON.stringify({ pad: 'x'.repeat(MAX_BODY) }), {}, 413, `Request body larger than ${MAX_BODY} bytes`],
  ];
  for (const [what, path, body, opts, status, error] of bad) {
    it(`answers ${status} for ${what}`, async () => {
      assert.deepEqual(await ask(path, body, opts), { status, json: { error } });
    });
  }
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigHolder, parseConfig } from '@tether/config';
import { MemoryShortcutStore, ShortcutStore } from '@tether/shortcuts';
import { Logger, noopMetrics, systemClock } from '@tether/telemetry';
import type { ControlDeps } from '../control.deps';
import { ShortcutCgi } from './shortcut.cgi';

/** The CGI behind a plain node:http server (the admin server's routing and auth are not under test). */
async function serve(shortcuts: ShortcutStore, lines: string[]) {
  const config = parseConfig('', 'test.conf');
  const deps = {
    config,
    live: new ConfigHolder(config),
    shortcuts,
    logger: new Logger({ level: 4, sinks: [(line: string) => lines.push(line)] }),
    metrics: noopMetrics,
    clock: systemClock,
  } as unknown as ControlDeps;
  const cgi = new ShortcutCgi(deps);
  const server = http.createServer((req, res) => void cgi.handle(req, res, new URL(req.url ?? '/', 'http://admin')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const get = async (query: string) => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/shortcut.cgi?${query}`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };
  return { server, get };
}

describe('shortcut.cgi', () => {
  const url = encodeURIComponent(Buffer.from('http://00408c123456/axis-cgi/param.cgi?action=list').toString('base64'));
  const lines: string[] = [];
  const store = new MemoryShortcutStore();
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => (s = await serve(store, lines)));
  after(() => s.server.close());

  it('answers id=<token> as text/plain; the token opens the stored shortcut and is not logged', async () => {
    const r = await s.get(`timeout=10&allowmethods=POST,GET&url=${url}`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain');
    const token = /^id=([0-9a-f]{32})\n$/.exec(r.body)?.[1];
    assert.ok(token, r.body);
    const sc = await store.access(token);
    assert.deepEqual({ ...sc, token: '' }, {
      mac: '00408c123456', path: '/axis-cgi/param.cgi', query: 'action=list', credentials: null, methods: ['POST', 'GET'], timeoutMs: 10_000, token: '',
    });
    assert.ok(lines.some((l) => l.includes('shortcut to 00408c123456/axis-cgi/param.cgi')), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(token)));
  });

  it('answers bad arguments with 400 in the O3C form', async () => {
    const r = await s.get(`timeout=ten&url=${url}`);
    assert.equal(r.status, 400);
    assert.equal(r.body, 'Request failed. (Reason: timeout "ten" is not a positive whole number of seconds.)\n');
  });

  it('answers 503 when the store is unreachable, without the store\'s error in the answer', async () => {
    const failing: ShortcutStore = { create: () => Promise.reject(new Error('ECONNREFUSED')), access: async () => null, close: async () => undefined };
    const f = await serve(failing, lines);
    try {
      const r = await f.get(`timeout=10&url=${url}`);
      assert.equal(r.status, 503);
      assert.equal(r.body, 'Request failed. (Reason: Shortcut store unreachable.)\n');
    } finally {
      f.server.close();
    }
  });
});

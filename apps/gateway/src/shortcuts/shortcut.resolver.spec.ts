import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryShortcutStore, ShortcutSpec } from '@tether/shortcuts';
import { RequestRefusal, parseRequestHead } from '../proxy/http.head';
import type { RequestPlan } from '../proxy';
import { resolveShortcut } from './shortcut.resolver';

const MAC = '00408c123456';
const spec = (over: Partial<ShortcutSpec> = {}): ShortcutSpec => ({
  mac: MAC,
  path: '/axis-cgi/param.cgi',
  query: 'action=list',
  credentials: null,
  methods: ['POST', 'GET'],
  timeoutMs: 10_000,
  ...over,
});

function setup(configured = '') {
  let now = 1_000_000;
  const store = new MemoryShortcutStore(() => now);
  const opts = { store, credentials: () => configured };
  const head = (requestLine: string, ...headers: string[]) => parseRequestHead([requestLine, 'Host: 127.0.0.1:8081', ...headers].join('\r\n'));
  return {
    store,
    advance: (ms: number) => (now += ms),
    token: async (over: Partial<ShortcutSpec> = {}) => (await store.create(spec(over))).token,
    resolve: (requestLine: string, ...headers: string[]) => resolveShortcut(head(requestLine, ...headers), 0, opts),
    resolveInfo: (info: ReturnType<typeof head>, body = 0) => resolveShortcut(info, body, opts),
    head,
  };
}

async function refusal(p: Promise<RequestPlan>, status: number, reason?: RegExp): Promise<RequestRefusal> {
  const err = await p.then(
    (plan) => assert.fail(`expected ${status}, got a plan to ${plan.url}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RequestRefusal, String(err));
  assert.equal(err.status, status, err.reason);
  if (reason) assert.match(err.reason, reason);
  return err;
}

describe('shortcut resolver: finding the shortcut', () => {
  it('cookie form: the reference example reaches the locked path and query on the shortcut device', async () => {
    const s = setup();
    const t = await s.token();
    const plan = await s.resolve('GET / HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`);
    assert.deepEqual(plan, { mac: MAC, path: '/axis-cgi/param.cgi?action=list', url: `http://${MAC}/axis-cgi/param.cgi?action=list`, credentials: null, stripAuth: false });
  });

  it('path form: /o3c-shortcut/<serverid>/<token>, any non-empty serverid', async () => {
    const s = setup();
    const t = await s.token();
    for (const serverid of ['serverid', 'gateway-1', 'x']) {
      const plan = await s.resolve(`GET /o3c-shortcut/${serverid}/${t} HTTP/1.1`);
      assert.equal(plan.path, '/axis-cgi/param.cgi?action=list');
      assert.ok(!plan.url.includes(t), 'the token is not part of the URL that status.cgi and the log show');
    }
    await refusal(s.resolve(`GET /o3c-shortcut//${t} HTTP/1.1`), 404, /Expected \/o3c-shortcut\/<serverid>\/<shortcut-token>/);
    await refusal(s.resolve(`GET /o3c-shortcut/${t} HTTP/1.1`), 404, /Expected/);
    await refusal(s.resolve('GET /o3c-shortcut HTTP/1.1'), 404, /Expected/);
  });

  it('the path form wins over a cookie naming another shortcut', async () => {
    const s = setup();
    const a = await s.token({ mac: '00408caaaaaa' });
    const b = await s.token({ mac: '00408cbbbbbb' });
    const plan = await s.resolve(`GET /o3c-shortcut/s/${a} HTTP/1.1`, `Cookie: o3c-shortcut-id=${b}`);
    assert.equal(plan.mac, '00408caaaaaa');
  });

  it('no shortcut, a malformed token, an unknown token: 404', async () => {
    const s = setup();
    await refusal(s.resolve('GET / HTTP/1.1'), 404, /No shortcut given/);
    await refusal(s.resolve('GET / HTTP/1.1', 'Cookie: session=1'), 404, /No shortcut given/);
    await refusal(s.resolve('GET / HTTP/1.1', 'Cookie: o3c-shortcut-id=nothex'), 404, /^Shortcut not found or expired$/);
    await refusal(s.resolve('GET /o3c-shortcut/s/0123456789abcdef0123456789abcdef HTTP/1.1'), 404, /^Shortcut not found or expired$/);
  });

  it('expired: 404 once the timeout passed without access; each access restarts it', async () => {
    const s = setup();
    const t = await s.token({ timeoutMs: 5000 });
    for (let i = 0; i < 3; i++) {
      s.advance(4000);
      await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`);
    }
    s.advance(5000);
    await refusal(s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`), 404, /expired/);
  });

  it('tokens are read case-insensitively (hex)', async () => {
    const s = setup();
    const t = await s.token();
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t.toUpperCase()} HTTP/1.1`)).mac, MAC);
  });
});

describe('shortcut resolver: never another device', () => {
  it('an absolute-form target is refused with 403, whatever device it names', async () => {
    const s = setup();
    const t = await s.token({ path: null, query: null });
    await refusal(s.resolve('GET http://00408c999999/ HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`), 403, /only its own device/);
    await refusal(s.resolve(`GET http://${MAC}/ HTTP/1.1`, `Cookie: o3c-shortcut-id=${t}`), 403);
    await refusal(s.resolve(`GET https://00408c999999/o3c-shortcut/s/${t} HTTP/1.1`), 403);
  });

  it('a Host header, or a path naming another device, still reaches the shortcut device', async () => {
    const s = setup();
    const t = await s.token({ path: null, query: null });
    const viaHost = await s.resolveInfo(parseRequestHead(`GET /x HTTP/1.1\r\nHost: 00408c999999\r\nCookie: o3c-shortcut-id=${t}`));
    assert.equal(viaHost.mac, MAC);
    const viaPath = await s.resolve(`GET /o3c-shortcut/s/${t}/http://00408c999999/ HTTP/1.1`);
    assert.equal(viaPath.mac, MAC);
    assert.equal(viaPath.path, '/http://00408c999999/');
  });

  it('a target that is neither origin- nor absolute-form is malformed', async () => {
    const s = setup();
    await refusal(s.resolve('OPTIONS * HTTP/1.1'), 400, /Malformed request target/);
  });
});

describe('shortcut resolver: path, query, methods', () => {
  it('a free path (url without one) is the user\'s: request path (cookie) or the rest (path form)', async () => {
    const s = setup();
    const t = await s.token({ path: null, query: null });
    assert.equal((await s.resolve('GET /axis-cgi/jpg/image.cgi?resolution=640x480 HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`)).path, '/axis-cgi/jpg/image.cgi?resolution=640x480');
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}/index.html?a=1 HTTP/1.1`)).path, '/index.html?a=1');
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}?a=1 HTTP/1.1`)).path, '/?a=1');
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`)).path, '/');
  });

  it('a locked path: / and the exact path go to it; any other path is refused with 403', async () => {
    const s = setup();
    const t = await s.token({ query: null });
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}/axis-cgi/param.cgi HTTP/1.1`)).path, '/axis-cgi/param.cgi');
    assert.equal((await s.resolve('GET /axis-cgi/param.cgi HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`)).path, '/axis-cgi/param.cgi');
    await refusal(s.resolve('GET /axis-cgi/admin/restart.cgi HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`), 403, /locked to the path \/axis-cgi\/param\.cgi/);
    await refusal(s.resolve(`GET /o3c-shortcut/s/${t}/axis-cgi/param.cgi/../../x HTTP/1.1`), 403);
  });

  it('a url path of / locks the path to /', async () => {
    const s = setup();
    const t = await s.token({ path: '/', query: null });
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`)).path, '/');
    await refusal(s.resolve(`GET /o3c-shortcut/s/${t}/other HTTP/1.1`), 403);
  });

  it('a locked query: none or the same one passes as the locked one; a different one is refused with 403', async () => {
    const s = setup();
    const t = await s.token();
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}?action=list HTTP/1.1`)).path, '/axis-cgi/param.cgi?action=list');
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}? HTTP/1.1`)).path, '/axis-cgi/param.cgi?action=list');
    await refusal(s.resolve(`GET /o3c-shortcut/s/${t}?action=update&root.Brand.Brand=x HTTP/1.1`), 403, /locked query/);
    await refusal(s.resolve('GET /?action=list&group=root HTTP/1.1', `Cookie: o3c-shortcut-id=${t}`), 403, /locked query/);
  });

  it('a free query passes as the user sent it, with a locked path', async () => {
    const s = setup();
    const t = await s.token({ query: null });
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t}?action=list&group=root.Brand HTTP/1.1`)).path, '/axis-cgi/param.cgi?action=list&group=root.Brand');
  });

  it('a method not allowed: 405 with an Allow header; allowed ones pass', async () => {
    const s = setup();
    const t = await s.token({ methods: ['POST', 'GET'] });
    await s.resolve(`POST /o3c-shortcut/s/${t} HTTP/1.1`);
    const r = await refusal(s.resolve(`DELETE /o3c-shortcut/s/${t} HTTP/1.1`), 405, /Method DELETE is not allowed/);
    assert.equal(r.extraHeaders, 'Allow: POST, GET\r\n');
    const onlyGet = await s.token({ methods: ['GET'] });
    await refusal(s.resolve(`HEAD /o3c-shortcut/s/${onlyGet} HTTP/1.1`), 405);
  });

  it('a refusal of a request with a body closes the connection (the body is not read)', async () => {
    const s = setup();
    const t = await s.token({ methods: ['GET'] });
    const info = s.head(`POST /o3c-shortcut/s/${t} HTTP/1.1`, 'Content-Length: 5');
    const r = await refusal(s.resolveInfo(info, 5), 405);
    assert.equal(r.close, true);
    const r2 = await refusal(s.resolve(`POST /o3c-shortcut/s/${t} HTTP/1.1`), 405);
    assert.equal(r2.close, false);
  });
});

describe('shortcut resolver: authentication and cookies', () => {
  it('credentials of the url go to the device, before the configured ones', async () => {
    const s = setup('admin:configured');
    const t = await s.token({ credentials: { user: 'root', pass: 'pass' } });
    assert.deepEqual((await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`, 'Authorization: Basic dXNlcjp1c2Vy')).credentials, { user: 'root', pass: 'pass' });
    const plain = await s.token();
    assert.deepEqual((await s.resolve(`GET /o3c-shortcut/s/${plain} HTTP/1.1`)).credentials, { user: 'admin', pass: 'configured' });
  });

  it('without either, nothing is injected (the user\'s own Authorization passes)', async () => {
    const s = setup();
    const t = await s.token();
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`)).credentials, null);
  });

  it('X-No-Internal-Authentication: 1, as a header or a cookie, strips authentication', async () => {
    const s = setup('admin:configured');
    const t = await s.token({ credentials: { user: 'root', pass: 'pass' } });
    for (const h of ['X-No-Internal-Authentication: 1', `Cookie: X-No-Internal-Authentication=1`]) {
      const plan = await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`, h);
      assert.equal(plan.stripAuth, true, h);
      assert.equal(plan.credentials, null, h);
    }
    const both = await s.resolve('GET / HTTP/1.1', `Cookie: a=b; o3c-shortcut-id=${t}; X-No-Internal-Authentication=1`);
    assert.equal(both.stripAuth, true);
    assert.equal((await s.resolve(`GET /o3c-shortcut/s/${t} HTTP/1.1`, 'X-No-Internal-Authentication: 0')).stripAuth, false);
  });

  it('the shortcut cookie is taken out of the request; other cookies stay', async () => {
    const s = setup();
    const t = await s.token();
    const info = s.head('GET / HTTP/1.1', `Cookie: session=abc; o3c-shortcut-id=${t}; theme=dark`, 'Accept: */*');
    await s.resolveInfo(info);
    assert.deepEqual(info.lines, ['Host: 127.0.0.1:8081', 'Cookie: session=abc; theme=dark', 'Accept: */*']);
    const only = s.head(`GET /o3c-shortcut/s/${t} HTTP/1.1`, `Cookie: o3c-shortcut-id=${t}`, 'Accept: */*');
    await s.resolveInfo(only);
    assert.deepEqual(only.lines, ['Host: 127.0.0.1:8081', 'Accept: */*']);
    assert.deepEqual(only.names, ['host', 'accept']);
  });
});

describe('shortcut resolver: store failures', () => {
  it('a store that fails answers 503 in the O3C form and says why to the log only', async () => {
    const errors: string[] = [];
    const store = {
      create: () => Promise.reject(new Error('unused')),
      access: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      close: async () => undefined,
    };
    const info = parseRequestHead('GET /o3c-shortcut/s/0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x');
    const r = await refusal(resolveShortcut(info, 0, { store, credentials: () => '', onStoreError: (e) => errors.push(e.message) }), 503, /^Shortcut store unreachable$/);
    assert.equal(r.close, false);
    assert.deepEqual(errors, ['connect ECONNREFUSED 127.0.0.1:6379']);
  });
});

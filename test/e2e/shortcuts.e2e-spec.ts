import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayNode, OriginServer, RawHttpConnection, TetherCluster, TetherProcess, curl, freePort } from '@tether/testing';

/** The MAC of the reference's examples: a virtual camera (its guard wants root:pass). */
const CAMERA = '00408C123456';
/** A device in front of an OriginServer: `/headers` shows what reached it. */
const ORIGIN = '00408c5c0002';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command line as the reference prints it, run by a POSIX shell (so `$(… | base64 -w0)` is real). */
function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `curl -i` split into status, headers (lower-case names) and body. */
async function curlI(args: string[]) {
  const r = await curl(['-i', ...args]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

function assertFailure(r: { status: number; body: string }, status: number, reason: RegExp | string): void {
  assert.equal(r.status, status, r.body);
  const m = /^Request failed\. \(Reason: (.*)\.\)\s*$/.exec(r.body);
  assert.ok(m, `O3C failure body, got ${JSON.stringify(r.body)}`);
  if (typeof reason === 'string') assert.equal(m[1], reason);
  else assert.match(m[1], reason);
}

describe('shortcut interface (reference 3.6): shortcut.cgi on control, listen_user_ext on every gateway', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let admin = 0;
  let second: GatewayNode;
  /** A gateway without configured credentials: only a shortcut's own user:pass@ opens the camera. */
  let bare: GatewayNode;
  let exts: Array<{ name: string; port: number }> = [];

  before(async () => {
    // Internal authentication configured on the gateways, so the reference's examples (no credentials
    // in the url) get the camera's answer, as on an O3C server with `credentials` set.
    cluster = await TetherCluster.start({ edges: 2, userExt: true, gatewayConfig: { credentials: 'root:pass' } });
    second = await cluster.addGateway();
    bare = await cluster.addGateway({ credentials: '' });
    admin = await cluster.startControl();
    origin = await OriginServer.start({ label: 'origin' });
    await cluster.agent(['--servers', cluster.servers([0]), '--cert', await cluster.pki.deviceCert(CAMERA.toLowerCase()), '--simulate']);
    await cluster.agent(['--servers', cluster.servers([1]), '--cert', await cluster.pki.deviceCert(ORIGIN), '--target', origin.url]);
    exts = [
      { name: 'gateway-0', port: cluster.extPort },
      { name: 'gateway-1', port: second.extPort },
    ];
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  /** shortcut.cgi through curl; the token, or the failure. */
  async function create(query: string): Promise<string> {
    const r = await curlI([`http://127.0.0.1:${admin}/admin/shortcut.cgi?${query}`]);
    assert.equal(r.status, 200, r.body);
    const m = /^id=([0-9a-f]{32})\n$/.exec(r.body);
    assert.ok(m, `id=<token> in ${JSON.stringify(r.body)}`);
    return m[1];
  }
  const shortcutTo = (url: string, timeout = 60, methods = 'GET') => create(`timeout=${timeout}&allowmethods=${methods}&url=${encodeURIComponent(b64(url))}`);
  const cookie = (t: string) => `Cookie: o3c-shortcut-id=${t}`;

  describe('the curl examples of reference 3.6, literally', () => {
    let token = '';

    it('creates a shortcut: curl "http://<listen_admin>/admin/shortcut.cgi?timeout=10&allowmethods=POST,GET&url=$(printf … | base64 -w0)"', async () => {
      // As printed, the example is split over lines inside the quotes; curl refuses the indentation that
      // puts in the URL ("URL using bad/illegal format"), so the same words are given on one line.
      const r = await sh(
        `curl "http://127.0.0.1:${admin}/admin/shortcut.cgi?timeout=10&allowmethods=POST,GET&url=$(printf "http://00408C123456/axis-cgi/param.cgi?action=list" | base64 -w0)"`,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^id=[0-9a-f]{32}\n$/);
      token = r.stdout.slice(3, 35);
    });

    for (const gw of [0, 1]) {
      it(`accesses it with the cookie accessor through gateway-${gw}: curl -H "Cookie: o3c-shortcut-id=<id>" "http://<listen_user_ext>/"`, async () => {
        const r = await sh(`curl \\\n  -H "Cookie: o3c-shortcut-id=${token}" \\\n  "http://127.0.0.1:${exts[gw].port}/"`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^root\.Brand\.Brand=AXIS$/m, 'the camera\'s param.cgi?action=list');
        assert.match(r.stdout, /^root\.Properties\.System\.SerialNumber=00408C123456$/m);
      });

      it(`accesses it with the path accessor through gateway-${gw}: curl "http://<listen_user_ext>/o3c-shortcut/serverid/<id>"`, async () => {
        const r = await sh(`curl "http://127.0.0.1:${exts[gw].port}/o3c-shortcut/serverid/${token}"`);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^root\.Brand\.Brand=AXIS$/m);
        assert.match(r.stdout, /^root\.Properties\.System\.SerialNumber=00408C123456$/m);
      });
    }

    it('allows POST as created (allowmethods=POST,GET) and refuses PUT with 405 and Allow', async () => {
      const post = await curlI(['-X', 'POST', '-d', '', `http://127.0.0.1:${exts[1].port}/o3c-shortcut/serverid/${token}`]);
      assert.equal(post.status, 200, post.body);
      assert.match(post.body, /^root\.Brand\.Brand=AXIS$/m);
      const put = await curlI(['-X', 'PUT', '-d', 'x', `http://127.0.0.1:${exts[0].port}/o3c-shortcut/serverid/${token}`]);
      assertFailure(put, 405, 'Method PUT is not allowed by this shortcut');
      assert.equal(put.headers['allow'], 'POST, GET');
    });

    it('no log line of control or of a gateway (debug level) holds the token', () => {
      assert.ok(token);
      for (const p of [cluster.control, cluster.gateway, second.proc]) {
        assert.ok(p && p.output.length > 0);
        assert.ok(!p.output.includes(token), `token in the output of tether ${p.args[0]}`);
      }
      assert.match(cluster.control?.output ?? '', /shortcut to 00408c123456\/axis-cgi\/param\.cgi \(query locked\) for POST,GET, timeout 10 s/);
    });
  });

  describe('shortcut.cgi refuses bad arguments with 400 and a precise reason', () => {
    const url = encodeURIComponent(b64('http://00408c123456/'));
    const cases: Array<[string, string, string | RegExp]> = [
      ['url missing', 'timeout=10', 'Missing required argument url'],
      ['timeout missing', `url=${url}`, 'Missing required argument timeout'],
      ['url not base64', 'timeout=10&url=http://00408c123456/', 'url is not base64'],
      ['url not http', `timeout=10&url=${encodeURIComponent(b64('ftp://00408c123456/'))}`, /is not an http URL/],
      ['host not a MAC', `timeout=10&url=${encodeURIComponent(b64('http://example.com/'))}`, 'url host "example.com" is not a device MAC address'],
      ['timeout zero', `timeout=0&url=${url}`, 'timeout "0" is not a positive whole number of seconds'],
      ['timeout not a number', `timeout=soon&url=${url}`, 'timeout "soon" is not a positive whole number of seconds'],
      ['unknown method', `timeout=10&allowmethods=GET,BREW&url=${url}`, /^allowmethods names an unknown HTTP method "BREW"/],
    ];
    for (const [what, query, reason] of cases)
      it(what, async () => assertFailure(await curlI([`http://127.0.0.1:${admin}/admin/shortcut.cgi?${query}`]), 400, reason));
  });

  describe('what a shortcut can reach', () => {
    it('a free path and query (url without them) are the user\'s; the shortcut cookie never reaches the device', async () => {
      const t = await shortcutTo(`http://${ORIGIN}`);
      for (const { port } of exts) {
        const viaCookie = await curlI(['-H', `Cookie: session=abc; o3c-shortcut-id=${t}; theme=dark`, `http://127.0.0.1:${port}/headers?x=1`]);
        assert.equal(viaCookie.status, 200, viaCookie.body);
        const seen = JSON.parse(viaCookie.body) as { url: string; headers: string[] };
        assert.equal(seen.url, '/headers?x=1');
        const cookies = seen.headers.filter((_, i) => i % 2 === 1 && /^cookie$/i.test(seen.headers[i - 1]));
        assert.deepEqual(cookies, ['session=abc; theme=dark']);
        const viaPath = await curlI([`http://127.0.0.1:${port}/o3c-shortcut/any-server/${t}/headers?y=2`]);
        const seen2 = JSON.parse(viaPath.body) as { url: string; headers: string[] };
        assert.equal(seen2.url, '/headers?y=2');
        assert.ok(!seen2.headers.some((h) => /o3c-shortcut-id/i.test(h)));
      }
    });

    it('a locked path refuses another path with 403; a locked query refuses another query with 403', async () => {
      const t = await shortcutTo('http://00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand', 60, 'GET');
      const ok = await curlI([`http://127.0.0.1:${exts[0].port}/o3c-shortcut/s/${t}/axis-cgi/param.cgi?action=list&group=root.Brand`]);
      assert.equal(ok.status, 200, ok.body);
      assert.match(ok.body, /^root\.Brand\.Brand=AXIS$/m);
      assert.doesNotMatch(ok.body, /root\.Network/, 'the locked query reached the camera');
      assertFailure(await curlI(['-H', cookie(t), `http://127.0.0.1:${exts[1].port}/axis-cgi/admin/restart.cgi`]), 403, 'This shortcut is locked to the path /axis-cgi/param.cgi');
      assertFailure(await curlI([`http://127.0.0.1:${exts[0].port}/o3c-shortcut/s/${t}/axis-cgi/serverreport.cgi`]), 403, /locked to the path/);
      assertFailure(await curlI(['-H', cookie(t), `http://127.0.0.1:${exts[1].port}/?action=update&root.Brand.Brand=x`]), 403, 'This shortcut has a locked query that cannot be altered');
      assertFailure(await curlI([`http://127.0.0.1:${exts[0].port}/o3c-shortcut/s/${t}?action=list`]), 403, /locked query/);
    });

    it('unknown token, no shortcut at all, malformed path form: 404', async () => {
      const unknown = '0123456789abcdef0123456789abcdef';
      for (const { port } of exts) {
        assertFailure(await curlI(['-H', cookie(unknown), `http://127.0.0.1:${port}/`]), 404, 'Shortcut not found or expired');
        assertFailure(await curlI([`http://127.0.0.1:${port}/o3c-shortcut/serverid/${unknown}`]), 404, 'Shortcut not found or expired');
        assertFailure(await curlI([`http://127.0.0.1:${port}/`]), 404, /^No shortcut given/);
        assertFailure(await curlI([`http://127.0.0.1:${port}/o3c-shortcut/serverid`]), 404, 'Expected /o3c-shortcut/<serverid>/<shortcut-token>');
      }
    });
  });

  describe('never a way from one shortcut to another device', () => {
    it('an absolute-form request (the forward-proxy form) naming another device is refused with 403 and reaches nothing', async () => {
      const t = await shortcutTo(`http://${CAMERA}`);
      const before = origin.requests;
      for (const { port } of exts) {
        const r = await curlI(['-x', `127.0.0.1:${port}`, '-H', cookie(t), `http://${ORIGIN}/headers`]);
        assertFailure(r, 403, /a shortcut reaches only its own device/);
      }
      assert.equal(origin.requests, before);
    });

    it('a Host header or a path naming another device still reaches the shortcut\'s own device', async () => {
      const t = await shortcutTo(`http://${CAMERA}`);
      const before = origin.requests;
      const viaHost = await curlI(['-H', `Host: ${ORIGIN}`, '-H', cookie(t), `http://127.0.0.1:${exts[0].port}/axis-cgi/param.cgi?action=list&group=root.Brand`]);
      assert.equal(viaHost.status, 200, viaHost.body);
      assert.match(viaHost.body, /^root\.Brand\.Brand=AXIS$/m, 'the camera answered');
      await curlI(['--path-as-is', `http://127.0.0.1:${exts[1].port}/o3c-shortcut/s/${t}/http://${ORIGIN}/headers`]);
      await curlI(['--path-as-is', `http://127.0.0.1:${exts[1].port}/o3c-shortcut/s/${t}/../../../${ORIGIN}/headers`]);
      assert.equal(origin.requests, before, 'nothing reached the other device');
    });

    it('on one kept-alive connection, each request is decided on its own: the cookie of one shortcut opens nothing else', async () => {
      const cam = await shortcutTo(`http://${CAMERA}/axis-cgi/param.cgi?action=list&group=root.Brand`);
      const before = origin.requests;
      const c = await RawHttpConnection.connect(exts[0].port);
      try {
        c.write(`GET / HTTP/1.1\r\nHost: x\r\n${cookie(cam)}\r\n\r\n`);
        const first = await c.readResponse();
        assert.equal(first.status, 200);
        assert.match(first.body.toString(), /root\.Brand\.Brand=AXIS/);
        c.write(`GET http://${ORIGIN}/headers HTTP/1.1\r\nHost: ${ORIGIN}\r\n${cookie(cam)}\r\n\r\n`);
        assert.equal((await c.readResponse()).status, 403);
        c.write(`GET /o3c-shortcut/s/${cam}/../${ORIGIN}/headers HTTP/1.1\r\nHost: x\r\n\r\n`);
        assert.equal((await c.readResponse()).status, 403);
        c.write(`GET / HTTP/1.1\r\nHost: x\r\n${cookie(cam)}\r\n\r\n`);
        assert.equal((await c.readResponse()).status, 200, 'the connection is still good for its own shortcut');
      } finally {
        c.socket.destroy();
      }
      assert.equal(origin.requests, before);
    });
  });

  describe('timeout', () => {
    it('slides on each access (across gateways) and ends 404 once nobody accessed it for the timeout', async () => {
      const t = await shortcutTo('http://00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand', 2);
      // Three accesses 1.2 s apart: 3.6 s after creation, alive only because each access restarted the 2 s.
      for (let i = 0; i < 3; i++) {
        await sleep(1200);
        const r = await curlI([`http://127.0.0.1:${exts[i % 2].port}/o3c-shortcut/s/${t}`]);
        assert.equal(r.status, 200, `access ${i + 1}: ${r.body}`);
      }
      await sleep(2600);
      for (const { port } of exts) assertFailure(await curlI([`http://127.0.0.1:${port}/o3c-shortcut/s/${t}`]), 404, 'Shortcut not found or expired');
    });
  });

  describe('authentication towards the device', () => {
    it('user:pass@ in the url reaches the camera (a gateway without configured credentials)', async () => {
      const withCreds = await shortcutTo('http://root:pass@00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand');
      const without = await shortcutTo('http://00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand');
      const ok = await curlI([`http://127.0.0.1:${bare.extPort}/o3c-shortcut/s/${withCreds}`]);
      assert.equal(ok.status, 200, ok.body);
      assert.match(ok.body, /^root\.Brand\.Brand=AXIS$/m);
      assert.equal((await curlI([`http://127.0.0.1:${bare.extPort}/o3c-shortcut/s/${without}`])).status, 401, 'the camera wants credentials');
    });

    it('the url\'s credentials replace the configured ones and whatever the user sent', async () => {
      const wrong = await shortcutTo('http://root:nope@00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand');
      assert.equal((await curlI(['-u', 'root:pass', `http://127.0.0.1:${exts[0].port}/o3c-shortcut/s/${wrong}`])).status, 401);
      const t = await shortcutTo(`http://alice:s3cret@${ORIGIN}/headers`);
      const r = await curlI(['-u', 'bob:guess', `http://127.0.0.1:${exts[1].port}/o3c-shortcut/s/${t}`]);
      const seen = JSON.parse(r.body) as { headers: string[] };
      const auth = seen.headers.filter((_, i) => i > 0 && /^authorization$/i.test(seen.headers[i - 1]));
      assert.deepEqual(auth, [`Basic ${b64('alice:s3cret')}`]);
    });

    it('X-No-Internal-Authentication: 1, as a header or a cookie, removes every authentication header', async () => {
      const cam = await shortcutTo('http://root:pass@00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand');
      const org = await shortcutTo(`http://alice:s3cret@${ORIGIN}/headers`);
      for (const [i, h] of ['X-No-Internal-Authentication: 1', 'Cookie: X-No-Internal-Authentication=1'].entries()) {
        const port = exts[i].port;
        assert.equal((await curlI(['-H', h, `http://127.0.0.1:${port}/o3c-shortcut/s/${cam}`])).status, 401, h);
        const r = await curlI(['-u', 'bob:guess', '-H', h, `http://127.0.0.1:${port}/o3c-shortcut/s/${org}`]);
        const seen = JSON.parse(r.body) as { headers: string[] };
        assert.ok(!seen.headers.some((x) => /^authorization$/i.test(x)), `${h}: ${seen.headers.join(' | ')}`);
        assert.ok(!seen.headers.some((x) => /^x-no-internal-authentication$/i.test(x)), 'the instruction is the gateway\'s');
      }
    });
  });

  describe('Redis unreachable (last: it stops the cluster\'s Redis)', () => {
    it('shortcut.cgi and listen_user_ext answer 503 in the O3C form, and work again once Redis is back', async () => {
      await cluster.redis.stop();
      const url = encodeURIComponent(b64('http://00408C123456/axis-cgi/param.cgi?action=list&group=root.Brand'));
      assertFailure(await curlI(['--max-time', '10', `http://127.0.0.1:${admin}/admin/shortcut.cgi?timeout=60&url=${url}`]), 503, 'Shortcut store unreachable');
      assertFailure(await curlI(['--max-time', '10', `http://127.0.0.1:${exts[0].port}/o3c-shortcut/s/0123456789abcdef0123456789abcdef`]), 503, 'Shortcut store unreachable');
      await cluster.redis.restart();
      const until = Date.now() + 15_000;
      let last = '';
      // Redis comes back empty: the edges put the camera's presence back within a heartbeat.
      while (Date.now() < until) {
        const r = await curlI([`http://127.0.0.1:${admin}/admin/shortcut.cgi?timeout=60&url=${url}`]);
        last = `shortcut.cgi ${r.status} ${r.body}`;
        if (r.status === 200) {
          const a = await curlI([`http://127.0.0.1:${exts[1].port}/o3c-shortcut/s/${r.body.slice(3, 35)}`]);
          last = `access ${a.status} ${a.body}`;
          if (a.status === 200) break;
        }
        await sleep(250);
      }
      assert.match(last, /^access 200 /, 'shortcut.cgi and the shortcut work again once Redis is back');
    });
  });
});

describe('shortcuts in the all-in-one tether server (one in-memory store for its gateway and control)', () => {
  let dir: string;
  const procs: TetherProcess[] = [];
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a shortcut created on listen_admin opens the demo camera on listen_user_ext', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-sc-server-'));
    const [client, user, admin, ext] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      TETHER_LISTEN_CLIENT: `127.0.0.1:${client}`,
      TETHER_LISTEN_USER: `127.0.0.1:${user}`,
      TETHER_LISTEN_ADMIN: `127.0.0.1:${admin}`,
      TETHER_LISTEN_USER_EXT: `127.0.0.1:${ext}`,
      TETHER_CREDENTIALS: 'root:pass',
    };
    const server = new TetherProcess(['server', '--dir', dir], { env });
    procs.push(server);
    await server.waitForOutput(/listen_user_ext on/, 30_000);
    await server.waitForOutput(/^ *curl -x .*$/m, 30_000);
    const agent = new TetherProcess([
      'agent', '--servers', `127.0.0.1:${client}`, '--cert', join(dir, 'pki', 'devices', '00408c000001.pem'),
      '--ca', join(dir, 'pki', 'provider', 'stserver_ca.crt'), '--simulate',
    ]);
    procs.push(agent);
    await agent.waitForOutput(/connected to /, 20_000);
    const url = encodeURIComponent(b64('http://00408c000001/axis-cgi/param.cgi?action=list&group=root.Brand'));
    const created = await curl(['--fail', `http://127.0.0.1:${admin}/admin/shortcut.cgi?timeout=30&url=${url}`]);
    assert.equal(created.code, 0, created.stderr);
    const token = /^id=([0-9a-f]{32})\n$/.exec(created.stdout.toString())?.[1];
    assert.ok(token, created.stdout.toString());
    const r = await curl(['--fail', '-H', `Cookie: o3c-shortcut-id=${token}`, `http://127.0.0.1:${ext}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^root\.Brand\.Brand=AXIS$/m);
  });
});

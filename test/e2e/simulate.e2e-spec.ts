import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  MultipartReader,
  TetherCluster,
  curl,
  digestAuthorization,
  multipartBoundary,
  viaProxy,
} from '@tether/testing';

const MAC = '00408c3b0001';
/** The fleet of the concurrency case: 20 consecutive MACs from here. */
const FLEET_FIRST = '00408c3b0100';
const FLEET = 20;
const BASIC = 'Basic ' + Buffer.from('root:pass').toString('base64');
const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);

const macPlus = (mac: string, n: number) => (parseInt(mac, 16) + n).toString(16).padStart(12, '0');

/** Reads an MJPEG stream through the proxy for `ms`, then hangs up like a viewer closing the window. */
function readMjpeg(
  proxyPort: number,
  url: string,
  ms: number,
): Promise<{ status: number; contentType: string; reader: MultipartReader; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: url, headers: { Authorization: BASIC } });
    const guard = setTimeout(() => req.destroy(new Error('no response headers within 5 s')), 5000);
    req.on('error', reject);
    req.on('response', (res) => {
      clearTimeout(guard);
      const contentType = res.headers['content-type'] ?? '';
      const boundary = multipartBoundary(contentType);
      if (res.statusCode !== 200 || !boundary) {
        res.resume();
        return reject(new Error(`status ${res.statusCode}, Content-Type ${contentType}`));
      }
      const reader = new MultipartReader(boundary);
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        try {
          reader.push(c);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
      res.on('error', () => undefined); // our own destroy below
      setTimeout(() => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, contentType, reader, bytes });
      }, ms);
    });
    req.end();
  });
}

/** One request through the proxy, keeping the raw header lines (repeated headers stay separate). */
function headersVia(
  proxyPort: number,
  url: string,
  headers: http.OutgoingHttpHeaders,
): Promise<{ status: number; raw: Array<[string, string]>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: url, headers, timeout: 5000 });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const raw: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode ?? 0, raw, body });
      });
    });
    req.end();
  });
}

describe('virtual cameras (--simulate) through the cluster', () => {
  let cluster: TetherCluster;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    const cert = await cluster.pki.deviceCert(MAC);
    await cluster.agent(['--servers', cluster.servers(), '--cert', cert, '--simulate']);
  });
  after(async () => {
    await cluster?.stop();
  });

  const param = (mac: string, query: string) => `http://${mac}/axis-cgi/param.cgi?${query}`;

  describe('the cURL examples of O3C reference 5.2', () => {
    const expectServerList = (out: Buffer) => {
      // Exactly the group asked for, with the agent's own server list.
      const lines = out.toString().trimEnd().split('\n');
      assert.ok(lines.every((l) => l.startsWith('root.RemoteService.')), out.toString());
      assert.ok(lines.includes(`root.RemoteService.ServerList=${cluster.servers()}`), out.toString());
    };

    for (const auth of [['-u', 'root:pass'], ['--digest', '-u', 'root:pass']]) {
      it(`GET: curl -x <proxy> ${auth.join(' ')} "http://<mac>/axis-cgi/param.cgi?action=list&group=root.RemoteService"`, async () => {
        const r = await curl(['-x', cluster.proxy, ...auth, '--fail', param(MAC, 'action=list&group=root.RemoteService')]);
        assert.equal(r.code, 0, r.stderr);
        expectServerList(r.stdout);
      });

      it(`POST: curl -x <proxy> ${auth.join(' ')} --data "action=list&group=root.RemoteService" "http://<mac>/axis-cgi/param.cgi"`, async () => {
        const r = await curl([
          '-x', cluster.proxy, ...auth, '--fail', '--data', 'action=list&group=root.RemoteService', `http://${MAC}/axis-cgi/param.cgi`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        expectServerList(r.stdout);
      });
    }
  });

  it('an MJPEG stream read for 3 s arrives as whole JPEG parts; closing it frees the device', async () => {
    // One request at a time: if the abandoned stream kept its channel, the next request could not run.
    const mac = '00408c3b0002';
    const single = await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(mac), '--simulate', '--max-conn', '1']);
    try {
      const s = await readMjpeg(cluster.userPort, `http://${mac}/axis-cgi/mjpg/video.cgi?fps=10`, 3000);
      assert.match(s.contentType, /^multipart\/x-mixed-replace;\s*boundary=/);
      const parts = s.reader.parts;
      assert.ok(parts.length >= 20, `${parts.length} parts in 3 s at 10 fps (${s.bytes} bytes)`);
      parts.forEach((p, i) => {
        assert.equal(p.headers['content-type'], 'image/jpeg', `part ${i}`);
        // Content-Length delimits the body (the reader checks the CRLF after it): exactly one JPEG.
        assert.ok(p.body.subarray(0, 2).equals(JPEG_SOI), `part ${i} starts with FFD8`);
        assert.ok(p.body.subarray(-2).equals(JPEG_EOI), `part ${i} ends with FFD9`);
      });
      assert.notDeepEqual(parts[0].body, parts[parts.length - 1].body, 'a live stream, not one image repeated');

      for (let round = 0; round < 3; round++) {
        const r = await viaProxy(cluster.userPort, param(mac, 'action=list&group=root.Brand.Brand'), {
          headers: { Authorization: BASIC },
          timeoutMs: 5000,
        });
        assert.equal(r.status, 200, `round ${round}`);
        assert.equal(r.body.toString(), 'root.Brand.Brand=AXIS\n');
        if (round < 2) await readMjpeg(cluster.userPort, `http://${mac}/axis-cgi/mjpg/video.cgi?fps=30`, 300);
      }
      assert.equal(single.count(/connected to /), 1, 'the device never reconnected');
    } finally {
      await single.stop();
    }
  });

  it('200 concurrent requests over 20 devices of one agent all answer with their own device', async () => {
    const fleet = await cluster.agent(
      ['--servers', cluster.servers(), '--count', String(FLEET), '--mac', FLEET_FIRST, '--issue-from', cluster.pki.dispatcherDir, '--simulate'],
      FLEET,
    );
    const agent = new http.Agent({ keepAlive: false, maxSockets: 256 });
    try {
      const macs = Array.from({ length: FLEET }, (_, i) => macPlus(FLEET_FIRST, i));
      const started = Date.now();
      const results = await Promise.allSettled(
        macs.flatMap((mac) =>
          Array.from({ length: 10 }, () =>
            viaProxy(cluster.userPort, param(mac, 'action=list&group=root.Properties.System.SerialNumber'), {
              headers: { Authorization: BASIC },
              agent,
              timeoutMs: 20_000,
            }).then((r) => ({ mac, ...r })),
          ),
        ),
      );
      const took = Date.now() - started;
      const failures = results.flatMap((r, i) => {
        const mac = macs[Math.floor(i / 10)];
        if (r.status === 'rejected') return [`${mac}: ${(r.reason as Error).message}`];
        const want = `root.Properties.System.SerialNumber=${mac.toUpperCase()}\n`;
        const got = r.value.body.toString();
        return r.value.status === 200 && got === want ? [] : [`${mac}: ${r.value.status} ${JSON.stringify(got)}`];
      });
      assert.deepEqual(failures, [], `${failures.length} of 200 failed (in ${took} ms)`);
      assert.equal(fleet.count(/connected to /), FLEET, 'no device reconnected under load');
    } finally {
      agent.destroy();
      await fleet.stop();
    }
  });

  it("a wrong camera password gets the camera's own 401 with both challenges, unchanged", async () => {
    const url = param(MAC, 'action=list&group=root.Brand.Brand');
    const r = await headersVia(cluster.userPort, url, { Authorization: 'Basic ' + Buffer.from('root:wrong').toString('base64') });
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized\n', 'the camera body, not a proxy error');
    const realm = `AXIS_${MAC.toUpperCase()}`;
    // Two separate header lines in the camera's order (node's res.headers would fold them into one).
    const challenges = r.raw.filter(([k]) => k.toLowerCase() === 'www-authenticate').map(([, v]) => v);
    assert.equal(challenges.length, 2, JSON.stringify(r.raw));
    const [digest, basic] = challenges;
    assert.match(digest, new RegExp(`^Digest realm="${realm}", nonce="[^"]+", algorithm=MD5, qop="auth"$`));
    assert.equal(basic, `Basic realm="${realm}"`);

    // The nonce came through intact: answering it (through the proxy) is accepted ...
    const path = '/axis-cgi/param.cgi?action=list&group=root.Brand.Brand';
    const ok = await viaProxy(cluster.userPort, url, {
      headers: { Authorization: digestAuthorization({ challenge: digest, user: 'root', password: 'pass', method: 'GET', uri: path }) },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'root.Brand.Brand=AXIS\n');
    // ... and a Digest answer with the wrong password gets the 401 again.
    const bad = await viaProxy(cluster.userPort, url, {
      headers: {
        Authorization: digestAuthorization({ challenge: digest, user: 'root', password: 'wrong', method: 'GET', uri: path, nc: 2 }),
      },
    });
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers['www-authenticate']), /^Digest realm=.*, Basic realm=/);

    // curl shows the same: the camera's status and challenges.
    for (const auth of [['-u', 'root:wrong'], ['--digest', '-u', 'root:wrong']]) {
      const c = await curl(['-x', cluster.proxy, ...auth, '-i', url]);
      assert.equal(c.code, 0, c.stderr);
      const text = c.stdout.toString();
      const last = text.slice(text.lastIndexOf('HTTP/1.1 '));
      assert.match(last, /^HTTP\/1\.1 401 /, auth.join(' '));
      assert.match(last, new RegExp(`\r\nWWW-Authenticate: Digest realm="${realm}"`, 'i'));
      assert.match(last, new RegExp(`\r\nWWW-Authenticate: Basic realm="${realm}"\r\n`, 'i'));
    }
  });
});

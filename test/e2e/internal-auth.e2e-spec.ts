import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TetherCluster, TetherProcess, curl } from '@tether/testing';

/** Virtual cameras, each authenticating its own way; every one has root:pass unless said otherwise. */
const DIGEST = '00408c4a0001'; // Digest only
const STALE = '00408c4a0002'; // Digest only, nonces stale after 1.5 s
const BASIC = '00408c4a0003'; // Basic only
const WRONG = '00408c4a0004'; // root password "other": the configured credentials are wrong for it
const PARAM = '/axis-cgi/param.cgi?action=list&group=RemoteService.Enabled';

/** `curl -x` without `-u`: the user knows no device password. */
async function via(proxyPort: number, url: string, ...args: string[]): Promise<{ status: number; body: string; headers: string }> {
  const r = await curl(['-x', `127.0.0.1:${proxyPort}`, '-D', '-', '--max-time', '15', ...args, url], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const headers = text.slice(0, split);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1]), headers, body: text.slice(split + 4) };
}

describe('internal authentication: credentials and force_authentication_mode at the gateway', () => {
  let cluster: TetherCluster;
  let mode1 = 0;
  let mode2 = 0;

  const camera = async (mac: string, ...extra: string[]): Promise<TetherProcess> =>
    cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(mac), '--simulate', ...extra]);

  before(async () => {
    cluster = await TetherCluster.start({ edges: 1, gatewayConfig: { credentials: 'root:pass' } });
    mode1 = (await cluster.addGateway({ credentials: 'root:pass', force_authentication_mode: 1 })).userPort;
    mode2 = (await cluster.addGateway({ credentials: 'root:pass', force_authentication_mode: 2 })).userPort;
    await camera(DIGEST, '--camera-auth', 'digest');
    await camera(STALE, '--camera-auth', 'digest', '--nonce-ttl', '1500');
    await camera(BASIC, '--camera-auth', 'basic');
    await camera(WRONG, '--root-password', 'other');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('mode 0, Digest-only camera: GET and POST with a body succeed without the user knowing the password', async () => {
    const get = await via(cluster.userPort, `http://${DIGEST}${PARAM}`);
    assert.equal(get.status, 200, get.body);
    assert.equal(get.body, 'root.RemoteService.Enabled=yes\n');
    const body = 'x'.repeat(70_000);
    const post = await via(cluster.userPort, `http://${DIGEST}/local/tether/upload.cgi`, '--data-binary', body, '-H', 'Content-Type: application/octet-stream');
    assert.equal(post.status, 200, post.body);
    assert.equal(post.body, `received=${body.length}`);
  });

  it('the user\'s own Authorization (wrong here) is replaced', async () => {
    const r = await via(cluster.userPort, `http://${DIGEST}${PARAM}`, '-u', 'root:wrong');
    assert.equal(r.status, 200, r.body);
  });

  it('mode 0, Basic-only camera: Basic', async () => {
    const r = await via(cluster.userPort, `http://${BASIC}${PARAM}`);
    assert.equal(r.status, 200, r.body);
  });

  it('mode 1 (always Basic): a Basic camera answers, a Digest-only camera refuses it', async () => {
    assert.equal((await via(mode1, `http://${BASIC}${PARAM}`)).status, 200);
    const refused = await via(mode1, `http://${DIGEST}${PARAM}`);
    assert.equal(refused.status, 401);
    assert.match(refused.headers, /WWW-Authenticate: Digest /i);
  });

  it('mode 2 (always Digest): a Digest camera answers; a Basic-only camera never gets Basic, the user gets its 401', async () => {
    assert.equal((await via(mode2, `http://${DIGEST}${PARAM}`)).status, 200);
    const r = await via(mode2, `http://${BASIC}${PARAM}`);
    assert.equal(r.status, 401);
    assert.match(r.headers, /WWW-Authenticate: Basic realm="AXIS_00408C4A0003"/i);
  });

  it('X-No-Internal-Authentication: 1 as a header or a cookie: no authentication reaches the camera (401), even the user\'s own', async () => {
    for (const args of [
      ['-H', 'X-No-Internal-Authentication: 1'],
      ['--cookie', 'X-No-Internal-Authentication=1'],
      ['-H', 'X-No-Internal-Authentication: 1', '-u', 'root:pass'],
    ]) {
      const r = await via(cluster.userPort, `http://${DIGEST}${PARAM}`, ...args);
      assert.equal(r.status, 401, args.join(' '));
      assert.equal(r.body, 'Unauthorized\n');
    }
    // and the same request without it goes through
    assert.equal((await via(cluster.userPort, `http://${DIGEST}${PARAM}`)).status, 200);
  });

  it('wrong credentials in the configuration: the user gets the camera\'s 401', async () => {
    const r = await via(cluster.userPort, `http://${WRONG}${PARAM}`);
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized\n');
    assert.match(r.headers, /WWW-Authenticate: Digest realm="AXIS_00408C4A0004"/i);
  });

  it('a stale nonce: the gateway renews the challenge and resends the GET; the user sees only the 200', async () => {
    assert.equal((await via(cluster.userPort, `http://${STALE}${PARAM}`)).status, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const before = cluster.gateway.count(new RegExp(`Digest challenge of ${STALE} renewed`));
    const r = await via(cluster.userPort, `http://${STALE}${PARAM}`, '-H', 'Connection: close');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, 'root.RemoteService.Enabled=yes\n');
    assert.equal(cluster.gateway.count(new RegExp(`Digest challenge of ${STALE} renewed`)), before + 1, 'the 401 was seen and swallowed');
  });
});

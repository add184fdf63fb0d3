import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basic, basicAuth, challenges, REALM, request, startCamera, type Running } from './camera.test-client';

describe('virtual camera: Basic auth', () => {
  let cam: Running;
  before(async () => (cam = await startCamera()));
  after(() => cam.stop());

  it('accepts the root password', async () => {
    const res = await request(cam.port, { path: '/axis-cgi/param.cgi?action=list&group=Brand.Brand', headers: basicAuth() });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'root.Brand.Brand=AXIS\n');
  });

  it('answers a wrong password with 401 and both challenges', async () => {
    const res = await request(cam.port, { path: '/axis-cgi/param.cgi?action=list', headers: basicAuth('wrong') });
    assert.equal(res.status, 401);
    const [digest, basicChallenge] = challenges(res);
    assert.match(digest, new RegExp(`^Digest realm="${REALM}", nonce="[^"]+", algorithm=MD5, qop="auth"$`));
    assert.equal(basicChallenge, `Basic realm="${REALM}"`);
  });

  it('refuses a missing header, another user, a malformed token and another scheme', async () => {
    for (const auth of [undefined, basic('admin', 'pass'), 'Basic', 'Basic !!!', 'Bearer pass']) {
      const res = await request(cam.port, { path: '/axis-cgi/serverreport.cgi', headers: auth ? { Authorization: auth } : {} });
      assert.equal(res.status, 401, String(auth));
      assert.equal(challenges(res).length, 2);
    }
  });

  it('authenticates before routing, so unknown paths also need credentials', async () => {
    assert.equal((await request(cam.port, { path: '/nope' })).status, 401);
    assert.equal((await request(cam.port, { path: '/nope', headers: basicAuth() })).status, 404);
  });
});

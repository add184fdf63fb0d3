import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuth, challenges, digestFields, digestHeader, fetchChallenge, parseChallenge, request, startCamera } from './camera.test-client';
import { createVirtualCamera } from './index';

const PATH = '/axis-cgi/param.cgi?action=list&group=RemoteService.Enabled';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('virtual camera: authentication modes (testing internal authentication)', () => {
  it('digest only: Basic with the right password is refused, only a Digest challenge is offered, Digest works', async () => {
    const cam = await startCamera({ auth: 'digest' });
    try {
      const refused = await request(cam.port, { path: PATH, headers: basicAuth() });
      assert.equal(refused.status, 401);
      const offered = challenges(refused);
      assert.equal(offered.length, 1);
      assert.match(offered[0], /^Digest /);
      const challenge = await fetchChallenge(cam.port);
      const ok = await request(cam.port, { path: PATH, headers: { Authorization: digestHeader(digestFields({ challenge, method: 'GET', uri: PATH })) } });
      assert.equal(ok.status, 200);
    } finally {
      await cam.stop();
    }
  });

  it('basic only: Digest is refused, only a Basic challenge is offered, Basic works', async () => {
    const cam = await startCamera({ auth: 'basic' });
    try {
      const first = await request(cam.port, { path: PATH });
      assert.deepEqual(challenges(first), ['Basic realm="AXIS_00408C123456"']);
      const challenge = { realm: 'AXIS_00408C123456', nonce: 'x' };
      const digest = await request(cam.port, { path: PATH, headers: { Authorization: digestHeader(digestFields({ challenge, method: 'GET', uri: PATH })) } });
      assert.equal(digest.status, 401);
      assert.equal((await request(cam.port, { path: PATH, headers: basicAuth() })).status, 200);
    } finally {
      await cam.stop();
    }
  });

  it('nonceTtlMs: a nonce older than that is answered 401 with a new nonce and stale=true', async () => {
    const cam = await startCamera({ auth: 'digest', nonceTtlMs: 100 });
    try {
      const challenge = await fetchChallenge(cam.port);
      const auth = (nc: number) => ({ Authorization: digestHeader(digestFields({ challenge, method: 'GET', uri: PATH, nc })) });
      assert.equal((await request(cam.port, { path: PATH, headers: auth(1) })).status, 200);
      await sleep(150);
      const stale = await request(cam.port, { path: PATH, headers: auth(2) });
      assert.equal(stale.status, 401);
      const next = parseChallenge(challenges(stale)[0]);
      assert.equal(next.stale, 'true');
      assert.notEqual(next.nonce, challenge.nonce);
    } finally {
      await cam.stop();
    }
  });

  it('refuses an unknown auth mode and a bad nonce lifetime', () => {
    const base = { mac: '00408c123456', password: 'p', serverList: ['a:1'] };
    assert.throws(() => createVirtualCamera({ ...base, auth: 'ntlm' as 'basic' }), /auth must be one of both, digest, basic/);
    assert.throws(() => createVirtualCamera({ ...base, nonceTtlMs: 0 }), /nonceTtlMs must be a positive integer/);
  });
});

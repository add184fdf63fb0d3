import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type Clock } from '@tether/telemetry';
import {
  challenges, digestFields, digestHeader, fetchChallenge, parseChallenge, REALM, request, startCamera, type Running,
} from './camera.test-client';

const PATH = '/axis-cgi/param.cgi?action=list&group=RemoteService.Enabled';

describe('virtual camera: Digest auth', () => {
  let cam: Running;
  let skewMs = 0;
  const clock: Clock = { ...systemClock, now: () => Date.now() + skewMs };
  before(async () => (cam = await startCamera({ clock })));
  after(() => cam.stop());

  it('accepts a response computed from the challenge', async () => {
    const challenge = await fetchChallenge(cam.port);
    assert.equal(challenge.realm, REALM);
    assert.equal(challenge.algorithm, 'MD5');
    assert.equal(challenge.qop, 'auth');
    const auth = digestHeader(digestFields({ challenge, method: 'GET', uri: PATH }));
    const res = await request(cam.port, { path: PATH, headers: { Authorization: auth } });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'root.RemoteService.Enabled=yes\n');
  });

  it('accepts further requests on the same nonce with new nc values, even out of order', async () => {
    const challenge = await fetchChallenge(cam.port);
    for (const nc of [1, 3, 2]) {
      const auth = digestHeader(digestFields({ challenge, method: 'GET', uri: PATH, nc }));
      assert.equal((await request(cam.port, { path: PATH, headers: { Authorization: auth } })).status, 200, `nc ${nc}`);
    }
  });

  it('authenticates a POST (the method is part of the signature)', async () => {
    const challenge = await fetchChallenge(cam.port);
    const uri = '/axis-cgi/param.cgi';
    const auth = digestHeader(digestFields({ challenge, method: 'POST', uri }));
    const res = await request(cam.port, {
      method: 'POST',
      path: uri,
      headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=list&group=Brand.Brand',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'root.Brand.Brand=AXIS\n');
  });

  it('refuses a tampered response with 401 and both challenges', async () => {
    const challenge = await fetchChallenge(cam.port);
    const fields = digestFields({ challenge, method: 'GET', uri: PATH });
    fields.response = (fields.response[0] === 'a' ? 'b' : 'a') + fields.response.slice(1);
    const res = await request(cam.port, { path: PATH, headers: { Authorization: digestHeader(fields) } });
    assert.equal(res.status, 401);
    assert.equal(challenges(res).length, 2);
  });

  it('refuses a wrong password, a nonce it never issued, another uri, method or realm', async () => {
    const challenge = await fetchChallenge(cam.port);
    const forged = { ...challenge, nonce: challenge.nonce.replace(/.$/, (c) => (c === '0' ? '1' : '0')) };
    const cases = [
      digestFields({ challenge, method: 'GET', uri: PATH, password: 'wrong' }),
      digestFields({ challenge: forged, method: 'GET', uri: PATH }),
      digestFields({ challenge, method: 'GET', uri: '/axis-cgi/serverreport.cgi' }),
      digestFields({ challenge, method: 'POST', uri: PATH }),
      digestFields({ challenge: { ...challenge, realm: 'other' }, method: 'GET', uri: PATH }),
    ];
    for (const [i, fields] of cases.entries()) {
      const res = await request(cam.port, { path: PATH, headers: { Authorization: digestHeader(fields) } });
      assert.equal(res.status, 401, `case ${i}`);
    }
  });

  it('refuses a replayed nc', async () => {
    const challenge = await fetchChallenge(cam.port);
    const auth = digestHeader(digestFields({ challenge, method: 'GET', uri: PATH, nc: 7 }));
    assert.equal((await request(cam.port, { path: PATH, headers: { Authorization: auth } })).status, 200);
    assert.equal((await request(cam.port, { path: PATH, headers: { Authorization: auth } })).status, 401);
  });

  it('answers an expired nonce with stale=true, and the fresh nonce works', async () => {
    const challenge = await fetchChallenge(cam.port);
    skewMs = 11 * 60_000;
    try {
      const auth = digestHeader(digestFields({ challenge, method: 'GET', uri: PATH }));
      const res = await request(cam.port, { path: PATH, headers: { Authorization: auth } });
      assert.equal(res.status, 401);
      const digest = challenges(res).find((c) => c.startsWith('Digest '))!;
      assert.match(digest, /stale=true/);
      const fresh = parseChallenge(digest);
      const retry = digestHeader(digestFields({ challenge: fresh, method: 'GET', uri: PATH }));
      assert.equal((await request(cam.port, { path: PATH, headers: { Authorization: retry } })).status, 200);
    } finally {
      skewMs = 0;
    }
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { basicAuth, MAC, PASSWORD, request, startCamera, type Running } from './camera.test-client';
import { createVirtualCamera } from './index';

describe('virtual camera: routing and connections', () => {
  let cam: Running;
  before(async () => (cam = await startCamera({ model: 'AXIS M3086-V', firmware: '11.9.60' })));
  after(() => cam.stop());

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const nf = await request(cam.port, { path: '/axis-cgi/nope.cgi', headers: basicAuth() });
    assert.equal(nf.status, 404);
    assert.equal(nf.body, 'Not Found');
    const na = await request(cam.port, { method: 'DELETE', path: '/axis-cgi/param.cgi?action=list', headers: basicAuth() });
    assert.equal(na.status, 405);
    assert.equal(na.headers.allow, 'GET, POST');
    assert.equal((await request(cam.port, { method: 'POST', path: '/axis-cgi/restart.cgi', headers: basicAuth() })).status, 405);
  });

  it('writes a server report with model, firmware, MAC, uptime and the server list', async () => {
    const res = await request(cam.port, { path: '/axis-cgi/serverreport.cgi', headers: basicAuth() });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    for (const re of [
      /Product: AXIS M3086-V/,
      /Firmware version: 11\.9\.60/,
      /Serial number: 00408C123456/,
      /MAC address: 00:40:8C:12:34:56/,
      /Uptime: 0 days, 00:00:\d\d \(\d+ s\)/,
      /Server list: o3c\.example\.com:8443/,
      /root\.RemoteService\.ServerList=o3c\.example\.com:8443/,
    ]) {
      assert.match(res.body, re);
    }
  });

  it('serves several requests on one keep-alive connection, and close() ends idle ones', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const other = await startCamera();
    try {
      const seen: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const path = '/axis-cgi/param.cgi?action=list&group=Brand.Brand';
        const res = await request(other.port, { path, headers: basicAuth(), agent });
        assert.equal(res.status, 200);
        seen.push(res.reusedSocket);
      }
      assert.deepEqual(seen, [false, true, true]);
      const [socket] = Object.values(agent.freeSockets).flat();
      assert.ok(socket, 'an idle keep-alive socket');
      const gone = once(socket, 'close');
      await other.stop();
      await gone;
    } finally {
      agent.destroy();
    }
  });

  it('rejects bad options at creation', () => {
    const base = { mac: MAC, password: PASSWORD, serverList: [] as string[] };
    assert.throws(() => createVirtualCamera({ ...base, mac: '00:40:8C:12:34:56' }), RangeError);
    assert.throws(() => createVirtualCamera({ ...base, mac: '00408C123456' }), RangeError);
    assert.throws(() => createVirtualCamera({ ...base, fps: 0 }), RangeError);
    assert.throws(() => createVirtualCamera({ ...base, fps: 61 }), RangeError);
    assert.throws(() => createVirtualCamera({ ...base, serverList: ['nope'] }), RangeError);
    const cam = createVirtualCamera(base);
    assert.equal(cam.server.keepAliveTimeout, 60_000);
    assert.deepEqual(cam.serverList(), []);
    cam.close();
  });
});

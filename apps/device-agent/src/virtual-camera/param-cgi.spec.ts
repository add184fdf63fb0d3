import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuth, request, startCamera, type Running } from './camera.test-client';

describe('virtual camera: param.cgi', () => {
  let cam: Running;
  const changes: string[][] = [];
  before(async () => {
    cam = await startCamera({ firmware: '10.12.1', model: 'AXIS Q1615', onServerListChange: (l) => changes.push(l) });
  });
  after(() => cam.stop());

  const get = (query: string) => request(cam.port, { path: `/axis-cgi/param.cgi?${query}`, headers: basicAuth() });
  const lines = (body: string) => body.split('\n').filter((l) => l !== '');

  it('lists every parameter', async () => {
    const res = await get('action=list');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const all = lines(res.body);
    for (const line of [
      'root.Brand.Brand=AXIS',
      'root.Brand.ProdFullName=AXIS Q1615',
      'root.Properties.Firmware.Version=10.12.1',
      'root.Properties.System.SerialNumber=00408C123456',
      'root.Network.eth0.MACAddress=00:40:8C:12:34:56',
      'root.RemoteService.Enabled=yes',
      'root.RemoteService.ServerList=o3c.example.com:8443',
      'root.RemoteService.ProxyServer=',
    ]) {
      assert.ok(all.includes(line), line);
    }
    assert.ok(all.every((l) => /^root\.[A-Za-z0-9.]+=/.test(l)));
  });

  it('filters by group, with or without root., several groups comma-separated', async () => {
    const remote = lines((await get('action=list&group=root.RemoteService')).body);
    assert.ok(remote.length >= 3);
    assert.ok(remote.every((l) => l.startsWith('root.RemoteService.')));
    assert.deepEqual(lines((await get('action=list&group=RemoteService')).body), remote);
    const two = lines((await get('action=list&group=Brand.Brand,Properties.Firmware.Version')).body);
    assert.deepEqual(two, ['root.Brand.Brand=AXIS', 'root.Properties.Firmware.Version=10.12.1']);
    // A prefix must end on a dot: `Brand.Bra` is no group.
    assert.equal((await get('action=list&group=Brand.Bra')).body, "# Error: Error -1 getting param in group 'Brand.Bra'\n");
  });

  it('answers an unknown group like Axis does, with 200', async () => {
    const res = await get('action=list&group=root.Nope');
    assert.equal(res.status, 200);
    assert.equal(res.body, "# Error: Error -1 getting param in group 'root.Nope'\n");
  });

  it('takes the same arguments in a POST form body', async () => {
    const res = await request(cam.port, {
      method: 'POST',
      path: '/axis-cgi/param.cgi',
      headers: { ...basicAuth(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=list&group=root.Brand.ProdFullName',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'root.Brand.ProdFullName=AXIS Q1615\n');
  });

  it('updates the server list, lists it and calls back once per change', async () => {
    const res = await get('action=update&root.RemoteService.ServerList=a.example:8443,b.example:443');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'OK');
    const listed = await get('action=list&group=RemoteService.ServerList');
    assert.equal(listed.body, 'root.RemoteService.ServerList=a.example:8443,b.example:443\n');
    assert.deepEqual(cam.camera.serverList(), ['a.example:8443', 'b.example:443']);
    assert.deepEqual(changes, [['a.example:8443', 'b.example:443']]);

    // The short name works too (POST form this time); writing the same list again is no change.
    const post = (body: string) =>
      request(cam.port, { method: 'POST', path: '/axis-cgi/param.cgi', headers: basicAuth(), body });
    assert.equal((await post('action=update&RemoteService.ServerList=c.example%3A8443')).body, 'OK');
    assert.equal((await post('action=update&RemoteService.ServerList=c.example%3A8443')).body, 'OK');
    assert.deepEqual(changes, [['a.example:8443', 'b.example:443'], ['c.example:8443']]);
  });

  it('refuses to update other, unknown or malformed params, changing nothing', async () => {
    const before = cam.camera.serverList();
    for (const q of [
      'action=update&root.Brand.Brand=ACME',
      'action=update&root.Nope.Nope=1',
      'action=update&root.RemoteService.ServerList=no-port',
      'action=update&root.RemoteService.ServerList=x.example:8443&root.Brand.Brand=ACME',
      'action=update',
    ]) {
      const res = await get(q);
      assert.equal(res.status, 200, q);
      assert.match(res.body, /^# Error: /, q);
    }
    const readOnly = await get('action=update&root.Brand.Brand=ACME');
    assert.equal(readOnly.body, "# Error: Error setting 'root.Brand.Brand' to 'ACME'!\n");
    assert.deepEqual(cam.camera.serverList(), before);
  });

  it('answers 400 without an action or with an unknown one', async () => {
    assert.equal((await get('group=root.Brand')).status, 400);
    assert.equal((await get('action=remove&group=root.Brand')).status, 400);
  });

  it('answers 413 to an oversized form body', async () => {
    const res = await request(cam.port, {
      method: 'POST',
      path: '/axis-cgi/param.cgi',
      headers: basicAuth(),
      body: 'action=list&pad=' + 'x'.repeat(70 * 1024),
    });
    assert.equal(res.status, 413);
  });

  it('reflects setServerList() without calling back', async () => {
    const n = changes.length;
    cam.camera.setServerList(['d.example:1']);
    assert.equal((await get('action=list&group=RemoteService.ServerList')).body, 'root.RemoteService.ServerList=d.example:1\n');
    assert.equal(changes.length, n);
    assert.throws(() => cam.camera.setServerList(['bad entry']), RangeError);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TetherCluster, TetherProcess, curl, waitFor } from '@tether/testing';

/** The MAC of the reference examples (3.3–3.5). */
const MAC = '00408cdc8194';

describe('control: redirect.cgi, reconnect.cgi, restart.cgi (reference 3.3–3.5) across a cluster', () => {
  let cluster: TetherCluster;
  let camera: TetherProcess;
  let admin = 0;
  const base = () => `http://127.0.0.1:${admin}/admin`;
  const edge = (i: number) => `127.0.0.1:${cluster.edges[i].clientPort}`;
  const statusText = async () => (await curl(['--fail', `${base()}/status.cgi`])).stdout.toString();
  /** Waits until status.cgi lists the device as `count.mac`. */
  const listedAs = (count: number) =>
    waitFor(async () => (new RegExp(`^id=${count}\\.${MAC} `, 'm').test(await statusText()) ? true : undefined), 20_000, `id=${count}.${MAC} in status.cgi`);
  const connectedTo = (i: number, count: number) => camera.count(new RegExp(`connected to ${edge(i).replace(/\./g, '\\.')} as ${count}\\.${MAC}`));

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    admin = await cluster.startControl();
    // A virtual camera whose server list holds both edges: it connects to edge 0 first.
    camera = await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(MAC), '--simulate']);
    await listedAs(1);
    assert.equal(connectedTo(0, 1), 1);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('redirect.cgi, as in the reference example, moves the device to the other edge of its server list', async () => {
    const r = await curl(['-i', `http://127.0.0.1:${admin}/admin/redirect.cgi?client=${MAC}&server=${edge(1)}`]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\nContent-Type: text\/plain\r\n/i);
    assert.ok(text.endsWith('\r\n\r\nOK\n'), text);
    await listedAs(2);
    await waitFor(() => (connectedTo(1, 2) === 1 ? true : undefined), 5000, 'the camera on edge 1');
    // Presence follows: a request through the gateway reaches the device on edge 1.
    const viaProxy = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${MAC}/axis-cgi/param.cgi?action=list&group=Brand.Brand`]);
    assert.equal(viaProxy.code, 0, viaProxy.stderr);
  });

  it('redirect.cgi to a server missing from the device\'s server list answers OK, and the device stays', async () => {
    const r = await curl(['--fail', `${base()}/redirect.cgi?client=${MAC}&server=127.0.0.1:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'OK\n');
    // Long enough for a drop and a reconnect (reconnect jitter 200 ms) to show, had the device moved.
    await new Promise((res) => setTimeout(res, 1500));
    assert.match(await statusText(), new RegExp(`^id=2\\.${MAC} `, 'm'));
    assert.doesNotMatch(camera.output, /redirected to 127\.0\.0\.1:1\b/);
  });

  it('reconnect.cgi, as in the reference example, closes the connection and the device comes back with the next count', async () => {
    const r = await curl(['--fail', `http://127.0.0.1:${admin}/admin/reconnect.cgi?client=${MAC}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'OK\n');
    await listedAs(3);
  });

  it('takes the client in any case, with separators, or as the count.mac of status.cgi', async () => {
    const colons = MAC.toUpperCase().match(/../g)!.join(':');
    assert.equal((await curl(['--fail', `${base()}/reconnect.cgi?client=${colons}`])).stdout.toString(), 'OK\n');
    await listedAs(4);
    assert.equal((await curl(['--fail', `${base()}/reconnect.cgi?client=4.${MAC}`])).stdout.toString(), 'OK\n');
    await listedAs(5);
    // A connection id that is no longer the device's current connection names nothing.
    const stale = await curl(['-i', `${base()}/reconnect.cgi?client=4.${MAC}`]);
    assert.match(stale.stdout.toString(), /^HTTP\/1\.1 404 /);
    assert.ok(stale.stdout.toString().endsWith(`Request failed. (Reason: Client 4.${MAC} is not connected.)\n`));
  });

  it('restart.cgi, as in the reference example, restarts the virtual camera, which reconnects with count 1', async () => {
    const since = camera.output.length;
    const r = await curl(['--fail', `http://127.0.0.1:${admin}/admin/restart.cgi?client=${MAC}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'OK\n');
    await listedAs(1);
    const after = camera.output.slice(since);
    assert.match(after, new RegExp(`${MAC}: restarting`));
    assert.match(after, new RegExp(`connected to 127\\.0\\.0\\.1:\\d+ as 1\\.${MAC}`));
  });

  it('answers bad and unknown clients and bad servers with the reason, changing nothing', async () => {
    const cases: Array<[string, number, string]> = [
      ['reconnect.cgi', 400, 'Missing argument client'],
      ['restart.cgi?client=', 400, 'Missing argument client'],
      ['restart.cgi?client=00408cdc81', 400, 'Invalid client "00408cdc81": expected a MAC address such as 00408cdc8194 or a connection id such as 1.00408cdc8194'],
      ['reconnect.cgi?client=00408c000bad', 404, 'Client 00408c000bad is not connected'],
      ['restart.cgi?client=00:40:8c:00:0b:ad', 404, 'Client 00408c000bad is not connected'],
      [`redirect.cgi?client=${MAC}`, 400, 'Missing argument server'],
      [`redirect.cgi?client=${MAC}&server=127.0.0.1`, 400, 'Invalid server "127.0.0.1": expected <address:port> such as 127.0.0.1:8081'],
      [`redirect.cgi?client=${MAC}&server=127.0.0.1:99999`, 400, 'Invalid server "127.0.0.1:99999": expected <address:port> such as 127.0.0.1:8081'],
      [`redirect.cgi?client=00408c000bad&server=${edge(1)}`, 404, 'Client 00408c000bad is not connected'],
    ];
    const before = await statusText();
    for (const [path, status, reason] of cases) {
      const r = await curl(['-i', `${base()}/${path}`]);
      const text = r.stdout.toString();
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), path);
      assert.match(text, /\r\nContent-Type: text\/plain\r\n/i, path);
      assert.ok(text.endsWith(`\r\n\r\nRequest failed. (Reason: ${reason}.)\n`), `${path}:\n${text}`);
    }
    assert.equal((await statusText()).replace(/rx=\d+ tx=\d+/, ''), before.replace(/rx=\d+ tx=\d+/, ''));
  });

  it('answers dispatch.cgi with 400 and the reason when no dispatcher is configured (dispatcher.e2e-spec has the rest)', async () => {
    const r = await curl(['-i', `${base()}/dispatch.cgi?action=unregister&user=acme&pass=secret&mac=00408CA03AF0`]);
    assert.match(r.stdout.toString(), /^HTTP\/1\.1 400 /);
    assert.ok(r.stdout.toString().endsWith('Request failed. (Reason: No dispatcher configured (dispatcher_url).)\n'));
  });
});

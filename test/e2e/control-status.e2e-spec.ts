import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OriginServer, TetherCluster, curl, waitFor } from '@tether/testing';

const MACS = ['00408c2b0001', '00408c2b0002'];

describe('control: status.cgi for the whole cluster', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;
  let admin = 0;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    origin = await OriginServer.start();
    admin = await cluster.startControl();
    // One device on each edge.
    for (const [i, mac] of MACS.entries())
      await cluster.agent(['--servers', cluster.servers([i]), '--cert', await cluster.pki.deviceCert(mac), '--target', origin.url]);
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  it('lists the devices of every edge in the plain-text format of reference 3.1.1', async () => {
    // Traffic, so rx/tx are real counts above zero.
    for (const mac of MACS) assert.equal((await curl(['-x', cluster.proxy, '--fail', `http://${mac}/bytes/5000`])).code, 0);
    const r = await curl(['--fail', `http://127.0.0.1:${admin}/admin/status.cgi`]);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout.toString();
    for (const mac of MACS) {
      const row = new RegExp(
        `^id=1\\.${mac} srcaddr=127\\.0\\.0\\.1:\\d+ accepted=1 v=2 rx=(\\d+) tx=(\\d+) connected=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z$`,
        'm',
      );
      const m = row.exec(text);
      assert.ok(m, `row for ${mac} in:\n${text}`);
      assert.ok(Number(m[1]) > 5000, 'rx counts the response bytes from the device');
      assert.ok(Number(m[2]) > 0, 'tx counts the request bytes to the device');
    }
    assert.match(text, /\nTotal number of clients: 2\n$/);
  });

  it('answers format=json with the keys of tables 4 and 5', async () => {
    const r = await curl(['--fail', `http://127.0.0.1:${admin}/admin/status.cgi?format=json`]);
    const j = JSON.parse(r.stdout.toString());
    assert.equal(j.client_count, 2);
    assert.equal(typeof j.uptime, 'number');
    assert.equal(typeof j.server_version, 'string');
    assert.deepEqual(j.clients.map((c: { serial: string }) => c.serial).sort(), MACS.map((m) => m.toUpperCase()));
    for (const c of j.clients) {
      assert.deepEqual(Object.keys(c).sort(), ['accepted', 'connected', 'count', 'protocol_version', 'requests', 'rx', 'serial', 'source', 'tx']);
      assert.equal(c.count, 1);
      assert.equal(c.accepted, true);
      assert.equal(c.protocol_version, 2);
    }
  });

  it('drops a device from the list when it disconnects, and leaves out an edge that is gone', async () => {
    await cluster.edges[1].proc.stop('SIGKILL');
    const text = await waitFor(async () => {
      const t = (await curl([`http://127.0.0.1:${admin}/admin/status.cgi`])).stdout.toString();
      return /Total number of clients: 1\n$/.test(t) ? t : '';
    }, 20_000, 'status without the killed edge');
    assert.match(text, new RegExp(`id=1\\.${MACS[0]} `));
  });

  it('answers an unknown admin path with 404 in the O3C form', async () => {
    const r = await curl(['-i', `http://127.0.0.1:${admin}/admin/nope.cgi`]);
    assert.match(r.stdout.toString(), /^HTTP\/1\.1 404/);
    assert.match(r.stdout.toString(), /Request failed\. \(Reason: Not Found\.\)/);
  });
});

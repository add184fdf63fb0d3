import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { O3C_METRICS_TABLE_7, TetherCluster, curl, waitFor } from '@tether/testing';

/** One virtual camera on each edge. */
const MACS = ['00408c4b0001', '00408c4b0002'];
const RFC3339_US = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z';

interface DeviceRow {
  id: string;
  srcaddr: string;
  rx: number;
  tx: number;
  connected: string;
  requests: Array<{ id: string; srcaddr: string; request: string; rx: number; tx: number; connected: string }>;
}

/** Parses status.cgi's plain text strictly: every line must be a device row, a request row, or the total. */
function parseStatusText(text: string): { devices: Map<string, DeviceRow>; total: number } {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  const total = /^Total number of clients: (\d+)$/.exec(lines.pop() ?? '');
  assert.ok(total, text);
  assert.equal(lines.pop(), '', 'a blank line before the total');
  const devices = new Map<string, DeviceRow>();
  let last: DeviceRow | undefined;
  const device = new RegExp(`^id=(\\d+\\.[0-9a-f]{12}) srcaddr=(127\\.0\\.0\\.1:\\d+) accepted=1 v=2 rx=(\\d+) tx=(\\d+) connected=(${RFC3339_US})$`);
  const request = new RegExp(`^ {4}id=([0-9a-f]{32}) srcaddr=(127\\.0\\.0\\.1:\\d+) request=(\\S+) rx=(\\d+) tx=(\\d+) connected=(${RFC3339_US})$`);
  for (const line of lines) {
    let m = device.exec(line);
    if (m) {
      last = { id: m[1], srcaddr: m[2], rx: Number(m[3]), tx: Number(m[4]), connected: m[5], requests: [] };
      devices.set(m[1].split('.')[1], last);
      continue;
    }
    m = request.exec(line);
    assert.ok(m && last, `not a device or request row: ${JSON.stringify(line)}\n${text}`);
    last.requests.push({ id: m[1], srcaddr: m[2], request: m[3], rx: Number(m[4]), tx: Number(m[5]), connected: m[6] });
  }
  return { devices, total: Number(total[1]) };
}

describe('admin: status.cgi and metrics.cgi for the whole cluster (2 edges, gateway, control, Redis)', () => {
  let cluster: TetherCluster;
  let admin = '';
  const viewers: ChildProcess[] = [];

  const status = async () => {
    const r = await curl(['--fail', `${admin}/admin/status.cgi`]);
    assert.equal(r.code, 0, r.stderr);
    return parseStatusText(r.stdout.toString());
  };
  const statusJson = async () => JSON.parse((await curl(['--fail', `${admin}/admin/status.cgi?format=json`])).stdout.toString());
  const metrics = async () => {
    const r = await curl(['--fail', '-i', `${admin}/admin/metrics.cgi`]);
    const [head, body] = r.stdout.toString().split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /\r\nContent-Type: application\/json/i);
    return JSON.parse(body) as Record<string, number | string>;
  };
  const get = async (mac: string, path = '/axis-cgi/param.cgi?action=list&group=root.Brand') => {
    const r = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${mac}${path}`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    cluster = await TetherCluster.start({ edges: 2 });
    admin = `http://127.0.0.1:${await cluster.startControl()}`;
    for (const [i, mac] of MACS.entries())
      await cluster.agent(['--servers', cluster.servers([i]), '--cert', await cluster.pki.deviceCert(mac), '--simulate']);
  });
  after(async () => {
    for (const v of viewers) v.kill('SIGKILL');
    await cluster?.stop();
  });

  it('plain text (3.1.1): a row per device of either edge; rx and tx are real byte counts that grow with traffic', async () => {
    const before = await status();
    assert.equal(before.total, 2);
    assert.deepEqual([...before.devices.keys()].sort(), MACS);
    for (const mac of MACS) assert.equal(before.devices.get(mac)!.id, `1.${mac}`);
    const body = await get(MACS[0]);
    const after = await status();
    const [b, a] = [before.devices.get(MACS[0])!, after.devices.get(MACS[0])!];
    assert.ok(a.rx - b.rx >= body.length, `rx grew by the answer at least (${b.rx} -> ${a.rx}, body ${body.length})`);
    assert.ok(a.tx > b.tx, `tx grew by the request (${b.tx} -> ${a.tx})`);
    assert.equal(a.connected, b.connected);
    assert.equal(a.srcaddr, b.srcaddr);
    const other = [before.devices.get(MACS[1])!, after.devices.get(MACS[1])!];
    assert.equal(other[1].rx, other[0].rx, 'the other device saw no traffic');
    assert.equal(a.requests.length, 0, 'no request is ongoing');
  });

  it('JSON (3.1.2): tables 4 and 5 field by field, the same figures as the plain text', async () => {
    const [j, t] = [await statusJson(), await status()];
    assert.deepEqual(Object.keys(j), ['clients', 'client_count', 'uptime', 'server_version']);
    assert.equal(j.client_count, 2);
    assert.ok(Number.isInteger(j.uptime) && j.uptime >= 0);
    assert.match(j.server_version, /^\d+\.\d+\.\d+/);
    for (const c of j.clients) {
      assert.deepEqual(Object.keys(c), ['serial', 'count', 'source', 'accepted', 'protocol_version', 'connected', 'rx', 'tx', 'requests']);
      const row = t.devices.get(c.serial.toLowerCase());
      assert.ok(row, c.serial);
      assert.match(c.serial, /^[0-9A-F]{12}$/);
      assert.equal(c.count, 1);
      assert.equal(c.source, row.srcaddr);
      assert.equal(c.accepted, true);
      assert.equal(c.protocol_version, 2);
      assert.equal(c.connected, row.connected);
      assert.equal(c.rx, row.rx);
      assert.equal(c.tx, row.tx);
      assert.deepEqual(c.requests, []);
    }
  });

  it('an open MJPEG stream shows as a request row under its device while it runs, and is gone after', async () => {
    const url = `http://${MACS[1]}/axis-cgi/mjpg/video.cgi`;
    const viewer = spawn('curl', ['--silent', '-x', cluster.proxy, '-u', 'root:pass', '-o', '/dev/null', url], { stdio: 'ignore' });
    viewers.push(viewer);
    const first = await waitFor(async () => {
      const s = await status();
      const r = s.devices.get(MACS[1])!.requests;
      return r.length === 1 && r[0].tx > 0 ? s : null;
    }, 15_000, 'the MJPEG request row');
    const req = first!.devices.get(MACS[1])!.requests[0];
    assert.equal(req.request, url);
    assert.equal(req.rx, 0, 'a GET sends no body');
    assert.deepEqual(first!.devices.get(MACS[0])!.requests, [], 'not under the other device');
    // Still running: its tx grows; the JSON shows the same request (table 6).
    const j = await waitFor(async () => {
      const c = (await statusJson()).clients.find((x: { serial: string }) => x.serial === MACS[1].toUpperCase());
      return c.requests.length === 1 && c.requests[0].tx > req.tx ? c : null;
    }, 10_000, 'the stream to grow');
    assert.deepEqual(Object.keys(j.requests[0]), ['id', 'source', 'url', 'connected', 'rx', 'tx']);
    assert.equal(j.requests[0].id, req.id);
    assert.equal(j.requests[0].source, req.srcaddr);
    assert.equal(j.requests[0].url, url);
    assert.equal(j.requests[0].connected, req.connected);
    assert.equal(j.requests[0].rx, 0);
    const m = await metrics();
    assert.equal(m.current_proxy_requests, 1, 'metrics.cgi counts it as current');
    viewer.kill('SIGTERM');
    await waitFor(async () => (await status()).devices.get(MACS[1])!.requests.length === 0, 10_000, 'the row to go');
    assert.equal((await metrics()).current_proxy_requests, 0);
  });

  it('metrics.cgi (3.2.1): every key of Table 7 in order; totals count requests just answered', async () => {
    const m0 = await metrics();
    assert.deepEqual(Object.entries(m0).map(([k, v]) => [k, typeof v]), O3C_METRICS_TABLE_7);
    const N = 5;
    let bytes = 0;
    for (let i = 0; i < N; i++) bytes += (await get(MACS[i % 2])).length;
    const m1 = await metrics();
    assert.equal(Number(m1.total_proxy_requests) - Number(m0.total_proxy_requests), N);
    assert.equal(Number(m1.total_proxy_responses) - Number(m0.total_proxy_responses), N);
    assert.ok(Number(m1.total_proxy_tx) - Number(m0.total_proxy_tx) > bytes, 'tx: the answers, heads and bodies');
    assert.equal(m1.total_proxy_rx, m0.total_proxy_rx, 'rx: request bodies (none)');
    assert.equal(m1.current_clients, 2);
    assert.equal(m1.total_clients, 2);
    assert.equal(m1.total_client_timeouts, 0);
    assert.equal(m1.current_proxy_requests, 0);
    assert.equal(m1.crl_load_failures, 0);
    assert.equal(m1.crl_valid_until, '');
    assert.equal(m1.configuration_reloads, 0);
    for (const k of ['server_uptime', 'configuration_uptime'])
      assert.ok(Number.isInteger(m1[k]) && Number(m1[k]) >= Number(m0[k]), k);
    assert.equal(m1.server_version, (await statusJson()).server_version);
  });

  it('a gateway restart keeps the cluster totals', async () => {
    const before = await metrics();
    await cluster.gateway.stop();
    await cluster.startGateway();
    const after = await metrics();
    for (const k of ['total_proxy_requests', 'total_proxy_responses', 'total_proxy_tx', 'total_clients'])
      assert.equal(after[k], before[k], k);
    await get(MACS[0]);
    const next = await metrics();
    assert.equal(Number(next.total_proxy_requests), Number(before.total_proxy_requests) + 1);
  });

  it('a gateway that does not answer (frozen, still a member) is left out and logged; status.cgi still answers', async () => {
    const pid = cluster.gateway.pid!;
    const since = cluster.control!.output.length;
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const s = await status();
      assert.ok(Date.now() - t0 < 5000, 'answered after the deadline, not never');
      assert.equal(s.total, 2, 'devices come from the edges');
      const m = await metrics();
      assert.equal(m.current_clients, 2);
      assert.match(cluster.control!.output.slice(since), /gateway-0\/gateway\/\d+\/[0-9a-f]+ left out of status\.cgi: no answer in time/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
  it('a device that stops answering keepalives is dropped by its edge and counted in total_client_timeouts', async () => {
    const mac = '00408c4b0003';
    const agent = await cluster.agent(['--servers', cluster.servers([0]), '--cert', await cluster.pki.deviceCert(mac), '--simulate']);
    await waitFor(async () => (await status()).devices.has(mac), 10_000, 'the third device in status.cgi');
    const before = await metrics();
    assert.equal(before.current_clients, 3);
    process.kill(agent.pid!, 'SIGSTOP'); // frozen: its TCP connection stays open, its keepalive answers stop
    try {
      await waitFor(async () => !(await status()).devices.has(mac), 30_000, 'the edge to drop the silent device');
      const after = await metrics();
      assert.equal(Number(after.total_client_timeouts) - Number(before.total_client_timeouts), 1);
      assert.equal(after.current_clients, 2);
    } finally {
      process.kill(agent.pid!, 'SIGKILL');
    }
  });
});

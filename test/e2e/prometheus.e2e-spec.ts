import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tls from 'node:tls';
import { TetherCluster, curl, freePort, waitFor } from '@tether/testing';

const MAC = '00408c3c0001';
const PROMTOOL = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
if (!PROMTOOL) console.error('NOTICE: promtool missing (Debian package prometheus): the promtool checks are skipped');

/** The value of one series in a text exposition (labels exactly as written). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `${series} in:\n${text.slice(0, 4000)}`);
  return Number(line.slice(series.length + 1));
}

async function scrape(port: number, path = '/metrics', extra: string[] = []): Promise<{ head: string; body: string }> {
  const r = await curl(['-sS', '-D', '-', ...extra, `http://127.0.0.1:${port}${path}`]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.toString();
  const split = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, split), body: text.slice(split + 4) };
}

describe('Prometheus /metrics in every process', () => {
  let cluster: TetherCluster;
  const port = { edge: 0, gateway: 0, control: 0, admin: 0 };

  before(async () => {
    port.edge = await freePort();
    port.gateway = await freePort();
    port.control = await freePort();
    cluster = await TetherCluster.start({
      edges: 1,
      edgeConfig: { listen_metrics: `127.0.0.1:${port.edge}` },
      gatewayConfig: { listen_metrics: `127.0.0.1:${port.gateway}` },
    });
    port.admin = await cluster.startControl({ listen_metrics: `127.0.0.1:${port.control}` });
    await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(MAC), '--simulate']);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('counts the connected device and its handshake on the edge', async () => {
    const { head, body } = await scrape(port.edge);
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /\r\nContent-Type: text\/plain; version=0\.0\.4; charset=utf-8/i);
    assert.equal(sample(body, 'tether_devices_connected'), 1);
    assert.equal(sample(body, 'tether_device_handshakes_total{result="ok"}'), 1);
    assert.equal(sample(body, 'tether_device_handshakes_total{result="bad_certificate"}'), 0);
    assert.doesNotMatch(body, new RegExp(MAC, 'i'), 'no label per device');
  });

  it('counts a device without a client certificate as a bad_certificate handshake', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: cluster.edges[0].clientPort, rejectUnauthorized: false });
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('close', r));
    await waitFor(
      async () => sample((await scrape(port.edge)).body, 'tether_device_handshakes_total{result="bad_certificate"}') === 1,
      5000,
      'bad_certificate counted',
    );
    assert.equal(sample((await scrape(port.edge)).body, 'tether_devices_connected'), 1, 'the refused one is not connected');
  });

  it('counts a request through the proxy on the gateway: status class, duration, bytes both ways', async () => {
    const before = (await scrape(port.gateway)).body;
    const r = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${MAC}/axis-cgi/param.cgi?action=list&group=root.RemoteService`]);
    assert.equal(r.code, 0, r.stderr);
    // Bytes are counted when the user's connection closes: curl has just closed it.
    const body = await waitFor(async () => {
      const b = (await scrape(port.gateway)).body;
      return sample(b, 'tether_proxy_bytes_total{direction="out"}') > r.stdout.length ? b : '';
    }, 5000, 'bytes counted on the gateway');
    const delta = (s: string) => sample(body, s) - sample(before, s);
    // Basic auth against the camera: one 401 then a 200 on the same connection, or a 200 at once.
    assert.ok(delta('tether_proxy_requests_total{code_class="2xx"}') === 1, body);
    assert.equal(delta('tether_proxy_requests_total{code_class="5xx"}'), 0);
    assert.ok(delta('tether_proxy_request_duration_seconds_count') >= 1);
    assert.ok(sample(body, 'tether_proxy_request_duration_seconds_sum') > 0);
    assert.ok(delta('tether_proxy_bytes_total{direction="in"}') > 0, 'the request head came in');
    assert.ok(sample(body, 'process_resident_memory_bytes') > 0, 'default process metrics');
  });

  it('serves control on listen_metrics and on its admin listener', async () => {
    const own = await scrape(port.control);
    assert.match(own.head, /^HTTP\/1\.1 200/);
    assert.equal(sample(own.body, 'tether_devices_connected'), 0, 'control holds no device');
    const admin = await scrape(port.admin);
    assert.match(admin.head, /^HTTP\/1\.1 200/);
    assert.match(admin.body, /^tether_config_reloads_total\{result="ok"\} 0$/m);
  });

  it('answers what is not /metrics with 404', async () => {
    const { head } = await scrape(port.edge, '/');
    assert.match(head, /^HTTP\/1\.1 404/);
  });

  it('passes promtool check metrics for every process', { skip: !PROMTOOL && 'promtool missing (Debian package prometheus)' }, async () => {
    for (const [name, p] of Object.entries(port)) {
      const { body } = await scrape(p);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      assert.equal(check.status, 0, `${name}: ${check.stdout}${check.stderr}`);
      assert.equal((check.stdout + check.stderr).trim(), '', `${name}: no problems`);
    }
  });

  it('counts Redis errors once Redis is gone (last: it breaks the cluster)', async () => {
    await cluster.redis.stop();
    await waitFor(async () => sample((await scrape(port.gateway)).body, 'tether_redis_errors_total') > 0, 10_000, 'a Redis error counted');
  });
});

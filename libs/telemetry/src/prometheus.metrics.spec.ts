import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PrometheusMetrics } from './prometheus.metrics';

const promtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;

/** The value of one series in a text exposition (labels exactly as written). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  it('exposes what the apps report, every label value from the first scrape', async () => {
    const m = new PrometheusMetrics({ processMetrics: false });
    let text = (await m.exposition()).body;
    assert.equal(sample(text, 'tether_devices_connected'), 0);
    assert.equal(sample(text, 'tether_device_handshakes_total{result="mac_mismatch"}'), 0);
    assert.equal(sample(text, 'tether_notification_deliveries_total{kind="client_connect",result="dropped"}'), 0);
    assert.equal(sample(text, 'tether_device_moves_total{cause="rebalance",result="stayed"}'), 0);
    assert.equal(sample(text, 'tether_device_tls_resumptions_total'), 0);
    assert.equal(sample(text, 'tether_edge_draining'), 0);

    m.devicesConnected(1);
    m.devicesConnected(1);
    m.devicesConnected(-1);
    m.deviceHandshake('ok');
    m.deviceHandshake('bad_certificate');
    m.deviceHandshake('bad_certificate');
    m.deviceTlsResumed();
    m.deviceMove('drain', 'redirected');
    m.deviceMove('drain', 'redirected');
    m.deviceMove('rebalance', 'reconnected');
    m.draining(true);
    m.proxyRequest(200, 0.004);
    m.proxyRequest(204, 0.2);
    m.proxyRequest(503, 30);
    m.proxyRequest(101, 0.01);
    m.proxyBytes('in', 100);
    m.proxyBytes('out', 5000);
    m.proxyBytes('out', 0);
    m.notificationDelivery('client_hello', 'ok');
    m.redisError();
    m.configReload('ok');
    m.configReload('failed');
    assert.equal(sample(text, 'tether_crl_valid_until_seconds'), 0);
    assert.equal(sample(text, 'tether_crl_load_failures_total'), 0);
    m.deviceHandshake('revoked');
    m.crlLoadFailed();
    m.crlValidUntil(Date.UTC(2022, 10, 23, 7, 21, 25, 500));
    text = (await m.exposition()).body;

    assert.equal(sample(text, 'tether_devices_connected'), 1);
    assert.equal(sample(text, 'tether_device_handshakes_total{result="ok"}'), 1);
    assert.equal(sample(text, 'tether_device_handshakes_total{result="bad_certificate"}'), 2);
    assert.equal(sample(text, 'tether_device_tls_resumptions_total'), 1);
    assert.equal(sample(text, 'tether_device_moves_total{cause="drain",result="redirected"}'), 2);
    assert.equal(sample(text, 'tether_device_moves_total{cause="rebalance",result="reconnected"}'), 1);
    assert.equal(sample(text, 'tether_device_moves_total{cause="drain",result="failed"}'), 0);
    assert.equal(sample(text, 'tether_edge_draining'), 1);
    assert.equal(sample(text, 'tether_proxy_requests_total{code_class="2xx"}'), 2);
    assert.equal(sample(text, 'tether_proxy_requests_total{code_class="5xx"}'), 1);
    assert.equal(sample(text, 'tether_proxy_requests_total{code_class="1xx"}'), 1);
    assert.equal(sample(text, 'tether_proxy_request_duration_seconds_bucket{le="0.005"}'), 1);
    assert.equal(sample(text, 'tether_proxy_request_duration_seconds_bucket{le="0.25"}'), 3);
    assert.equal(sample(text, 'tether_proxy_request_duration_seconds_bucket{le="60"}'), 4);
    assert.equal(sample(text, 'tether_proxy_request_duration_seconds_count'), 4);
    assert.equal(sample(text, 'tether_proxy_bytes_total{direction="in"}'), 100);
    assert.equal(sample(text, 'tether_proxy_bytes_total{direction="out"}'), 5000);
    assert.equal(sample(text, 'tether_notification_deliveries_total{kind="client_hello",result="ok"}'), 1);
    assert.equal(sample(text, 'tether_redis_errors_total'), 1);
    assert.equal(sample(text, 'tether_config_reloads_total{result="ok"}'), 1);
    assert.equal(sample(text, 'tether_config_reloads_total{result="failed"}'), 1);
    assert.equal(sample(text, 'tether_device_handshakes_total{result="revoked"}'), 1);
    assert.equal(sample(text, 'tether_crl_load_failures_total'), 1);
    assert.equal(sample(text, 'tether_crl_valid_until_seconds'), Date.UTC(2022, 10, 23, 7, 21, 25) / 1000);
    assert.doesNotMatch(text, /mac=|00408c/, 'never a label per device');
  });

  it('keeps registries apart: two instances in one process count separately', async () => {
    const a = new PrometheusMetrics();
    const b = new PrometheusMetrics();
    a.redisError();
    assert.equal(sample((await b.exposition()).body, 'tether_redis_errors_total'), 0);
    assert.equal(sample((await a.exposition()).body, 'tether_redis_errors_total'), 1);
    assert.match((await a.exposition()).body, /^process_cpu_user_seconds_total \d/m, 'default process metrics');
    assert.match((await a.exposition()).contentType, /^text\/plain; version=0\.0\.4/);
  });

  it('passes promtool check metrics, process metrics included', { skip: !promtool && 'promtool missing (Debian package prometheus)' }, async () => {
    const m = new PrometheusMetrics();
    m.proxyRequest(200, 0.1);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: (await m.exposition()).body, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal((check.stdout + check.stderr).trim(), '');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { O3C_METRICS_TABLE_7 } from '@tether/testing';
import { crlTime, metricsReport } from './metrics.format';

describe('metrics.cgi format (reference 3.2.1)', () => {
  it('has every key of Table 7, in order, with its type, also with no member alive', () => {
    const r = metricsReport({ totals: {}, gauges: [], serverUptimeSeconds: 1.9, configurationUptimeSeconds: 0.2, configurationReloads: 0, version: '0.1.0' });
    assert.deepEqual(Object.entries(r).map(([k, v]) => [k, typeof v]), O3C_METRICS_TABLE_7);
    assert.equal(r.crl_valid_until, '', 'no CRL loaded anywhere');
    assert.equal(r.server_uptime, 1);
  });

  it('sums gauges over members, takes the cluster totals, the earliest CRL expiry', () => {
    const r = metricsReport({
      totals: { total_clients: 3, total_client_timeouts: 1, total_proxy_requests: 10, total_proxy_responses: 9, total_proxy_rx: 100, total_proxy_tx: 2000, crl_load_failures: 2 },
      gauges: [
        { current_clients: 1, crl_valid_until_ms: Date.UTC(2022, 10, 23, 7, 21, 25) },
        { current_clients: 2, crl_valid_until_ms: Date.UTC(2022, 11, 1) },
        { current_proxy_requests: 1 },
      ],
      serverUptimeSeconds: 321,
      configurationUptimeSeconds: 321,
      configurationReloads: 2,
      version: '0.1.0',
    });
    assert.deepEqual(r, {
      current_clients: 3,
      total_clients: 3,
      total_client_timeouts: 1,
      current_proxy_requests: 1,
      total_proxy_requests: 10,
      total_proxy_responses: 9,
      total_proxy_rx: 100,
      total_proxy_tx: 2000,
      crl_load_failures: 2,
      crl_valid_until: 'Wed Nov 23 07:21:25 2022 GMT',
      server_uptime: 321,
      configuration_reloads: 2,
      configuration_uptime: 321,
      server_version: '0.1.0',
    });
  });

  it('prints CRL times as the reference does, day padded with a space', () => {
    assert.equal(crlTime(Date.UTC(2023, 0, 5, 1, 2, 3)), 'Thu Jan  5 01:02:03 2023 GMT');
  });
});

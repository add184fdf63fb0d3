import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { LOG_LEVELS, Logger, PrometheusMetrics } from '@tether/telemetry';
import { MetricsListener } from './metrics.listener';

const silent = new Logger({ level: LOG_LEVELS.nothing, sinks: [] });

async function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers, method });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), auth: res.headers.get('www-authenticate') };
}

describe('MetricsListener (listen_metrics)', () => {
  const metrics = new PrometheusMetrics({ processMetrics: false });
  const live = new ConfigHolder(parseConfig('listen_metrics = 127.0.0.1:0\nmetrics_credentials = prom:secret\n', 'test.conf'));
  const listener = new MetricsListener(live, metrics, silent);
  let port = 0;
  before(async () => {
    await listener.start();
    port = listener.address()!.port;
  });
  after(() => listener.close());

  const basic = (cred: string) => ({ Authorization: 'Basic ' + Buffer.from(cred).toString('base64') });

  it('demands metrics_credentials with Basic auth', async () => {
    const none = await get(port, '/metrics');
    assert.equal(none.status, 401);
    assert.match(none.auth ?? '', /^Basic realm=/);
    assert.equal((await get(port, '/metrics', basic('prom:wrong'))).status, 401);
  });

  it('serves the exposition with the registry content type', async () => {
    metrics.redisError();
    const r = await get(port, '/metrics', basic('prom:secret'));
    assert.equal(r.status, 200);
    assert.equal(r.type, metrics.registry.contentType);
    assert.match(r.body, /^tether_redis_errors_total 1$/m);
  });

  it('answers 404 off /metrics and 405 to other methods', async () => {
    assert.equal((await get(port, '/', basic('prom:secret'))).status, 404);
    assert.equal((await get(port, '/metrics', basic('prom:secret'), 'POST')).status, 405);
    assert.equal((await get(port, '/metrics?x=1', basic('prom:secret'))).status, 200);
  });

  it('refuses to start off loopback without metrics_credentials', async () => {
    const open = new ConfigHolder(parseConfig('listen_metrics = 0.0.0.0:0\n', 'test.conf'));
    await assert.rejects(new MetricsListener(open, metrics, silent).start(), /listen_metrics 0\.0\.0\.0:0 is not loopback: set metrics_credentials/);
  });
});

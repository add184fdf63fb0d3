import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { METRICS_TOPIC, MemoryClusterBus, OngoingRequestInfo, REQUESTS_TOPIC, gather } from '@tether/cluster';
import { Logger, systemClock } from '@tether/telemetry';
import type { GatewayDeps } from '../gateway.deps';
import { RequestLedger } from '../requests/request-ledger';
import { GatewayClusterMember } from './gateway-cluster.member';

function member() {
  const bus = new MemoryClusterBus();
  const config = parseConfig('stserverid = gw-test\n', 'gw.conf', { env: {} });
  const deps = { config, live: new ConfigHolder(config), bus, logger: new Logger({ level: 0, sinks: [] }), clock: systemClock } as unknown as GatewayDeps;
  const ledger = new RequestLedger();
  return { bus, ledger, m: new GatewayClusterMember(deps, ledger) };
}

describe('gateway: answers the cluster bus from its RequestLedger', () => {
  it('answers the requests query with the ongoing requests, and no longer lists a finished one', async () => {
    const { bus, ledger, m } = member();
    await m.onApplicationBootstrap();
    const a = ledger.begin('00408c000001', '10.0.0.9:4000', 'http://00408c000001/axis-cgi/mjpg/video.cgi', 1_700_000_000_000);
    ledger.sent(a, 1234);
    const b = ledger.begin('00408c000002', '10.0.0.9:4001', 'http://00408c000002/', 1_700_000_000_500);
    let r = await gather<OngoingRequestInfo[]>(bus, REQUESTS_TOPIC, { roles: ['gateway'], deadlineMs: 2000 });
    assert.equal(r.replies.length, 1);
    assert.equal(r.replies[0].member.role, 'gateway');
    assert.deepEqual(r.replies[0].body, [
      { id: a.id, mac: '00408c000001', srcaddr: '10.0.0.9:4000', url: 'http://00408c000001/axis-cgi/mjpg/video.cgi', connectedAt: 1_700_000_000_000, rx: 0, tx: 1234 },
      { id: b.id, mac: '00408c000002', srcaddr: '10.0.0.9:4001', url: 'http://00408c000002/', connectedAt: 1_700_000_000_500, rx: 0, tx: 0 },
    ]);
    ledger.end(a, true);
    r = await gather<OngoingRequestInfo[]>(bus, REQUESTS_TOPIC, { roles: ['gateway'], deadlineMs: 2000 });
    assert.deepEqual(r.replies[0].body.map((x) => x.id), [b.id]);
    await m.onApplicationShutdown();
    assert.deepEqual(await bus.members(), [], 'withdrawn on shutdown');
  });

  it('flushes its proxy totals before answering metrics, with current_proxy_requests', async () => {
    const { bus, ledger, m } = member();
    await m.onApplicationBootstrap();
    const a = ledger.begin('00408c000001', '10.0.0.9:4000', 'http://00408c000001/', 0);
    ledger.received(a, 10);
    ledger.sent(a, 300);
    ledger.end(a, true);
    ledger.begin('00408c000001', '10.0.0.9:4001', 'http://00408c000001/', 0);
    const r = await gather<Record<string, number>>(bus, METRICS_TOPIC, { deadlineMs: 2000 });
    assert.deepEqual(r.replies[0].body, { current_proxy_requests: 1 });
    assert.deepEqual(await bus.totals(), { total_proxy_requests: 2, total_proxy_responses: 1, total_proxy_rx: 10, total_proxy_tx: 300 });
    await m.onApplicationShutdown();
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryHooks, Notification } from '@tether/notify';
import { DeliveryResult, NotificationKind, noopMetrics } from '@tether/telemetry';
import { DeviceCommander } from '../commands/device-commander.service';
import { controlDeps } from '../testing/control-deps.fixture';
import { NotificationDelivery, receiverName } from './notification-delivery.service';

const MAC = '00408cdc8194';
const URL_WITH_TOKEN = 'https://hooks.example/o3c?token=secret';
const connect = (count: number): Notification => ({ kind: 'client_connect', stserverid: 'edge-1', mac: MAC, count, srcaddr: '10.0.0.9' });
const settle = () => new Promise((r) => setImmediate(r));

async function setup() {
  const counted: Array<[NotificationKind, DeliveryResult]> = [];
  let started: DeliveryHooks | undefined;
  let stopped = 0;
  const deps = controlDeps('', {
    metrics: { ...noopMetrics, notificationDelivery: (k: NotificationKind, r: DeliveryResult) => counted.push([k, r]) },
    notificationDelivery: {
      start: async (hooks) => void (started = hooks),
      stop: async () => void stopped++,
    },
  });
  await deps.presence.announceEdge('edge-1', '10.0.0.2:7000');
  const { epoch } = await deps.presence.claim({
    mac: MAC,
    edgeId: 'edge-1',
    edgeAddress: '10.0.0.2:7000',
    connectionId: `2.${MAC}`,
    srcaddr: '10.0.0.9:5000',
    connectedAt: 0,
    protocolVersion: 2,
  });
  const delivery = new NotificationDelivery(deps, new DeviceCommander(deps));
  await delivery.onApplicationBootstrap();
  return { deps, epoch, delivery, counted, hooks: () => started!, stopped: () => stopped };
}

describe('notification delivery (control)', () => {
  it('starts the delivery with its hooks at bootstrap and stops it at shutdown', async () => {
    const { delivery, hooks, stopped } = await setup();
    assert.equal(hooks(), delivery.hooks);
    await delivery.onApplicationShutdown();
    assert.equal(stopped(), 1);
  });

  it('logs and counts delivered, retried and given-up notifications, never the receiver\'s query (it may hold a token)', async () => {
    const { deps, hooks, counted } = await setup();
    hooks().delivered!({ kind: 'server_up', stserverid: 'edge-1' }, URL_WITH_TOKEN, { status: 200 }, 'd1');
    hooks().retrying!(connect(2), URL_WITH_TOKEN, 'answered 503', 'd2');
    hooks().gaveUp!(connect(2), URL_WITH_TOKEN, 'answered 404', 'd2');
    assert.deepEqual(counted, [
      ['server_up', 'ok'],
      ['client_connect', 'failed'],
      ['client_connect', 'dropped'],
    ]);
    const text = deps.lines.join('\n');
    assert.match(text, /\[notice\].*server_up edge-1 delivered to https:\/\/hooks\.example\/o3c: 200 \(delivery d1\)/);
    assert.match(text, /\[debug\].*client_connect 2\.00408CDC8194 to https:\/\/hooks\.example\/o3c will be retried: answered 503/);
    assert.match(text, /\[warning\].*client_connect 2\.00408CDC8194 to https:\/\/hooks\.example\/o3c given up: answered 404/);
    assert.doesNotMatch(text, /secret/);
  });

  it('a client_connect answered 302 host:port redirects that connection through the edge holding it', async () => {
    const { deps, epoch, hooks } = await setup();
    hooks().delivered!(connect(2), URL_WITH_TOKEN, { status: 302, location: '10.21.31.41:8080' }, 'd3');
    await settle();
    assert.deepEqual(deps.edgeLink.sent, [{ address: '10.0.0.2:7000', cmd: { mac: MAC, epoch, command: 'redirect', server: '10.21.31.41:8080' } }]);
  });

  it('leaves alone a device that reconnected since (the 302 named its older connection)', async () => {
    const { deps, hooks, delivery } = await setup();
    await delivery.redirect(connect(1), { status: 302, location: '10.21.31.41:8080' });
    assert.deepEqual(deps.edgeLink.sent, []);
    assert.ok(deps.lines.some((l) => l.includes('client_connect redirect to 10.21.31.41:8080 not carried out: Client 1.00408cdc8194 is not connected')), deps.lines.join('\n'));
    hooks().delivered!({ kind: 'client_disconnect', stserverid: 'edge-1', mac: MAC, count: 2 }, URL_WITH_TOKEN, { status: 302, location: '10.21.31.41:8080' }, 'd4');
    await settle();
    assert.deepEqual(deps.edgeLink.sent, [], 'only client_connect redirects');
  });

  it('a 302 whose Location is not host:port is logged and changes nothing', async () => {
    const { deps, delivery } = await setup();
    for (const location of ['http://10.21.31.41:8080/', '10.21.31.41', '']) await delivery.redirect(connect(2), { status: 302, location });
    assert.deepEqual(deps.edgeLink.sent, []);
    assert.equal(deps.lines.filter((l) => l.includes('is not host:port; the device stays')).length, 3);
  });

  it('names a receiver by origin and path only', () => {
    assert.equal(receiverName('http://u:p@rx.example:8080/a/b?token=x#f'), 'http://rx.example:8080/a/b');
    assert.equal(receiverName('not a url'), 'a receiver');
  });
});

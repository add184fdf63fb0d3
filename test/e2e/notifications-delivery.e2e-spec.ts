import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Received, Reply, TestReceiver, TetherCluster, TetherProcess, curl, waitFor } from '@tether/testing';

const RETRY = { notify_timeout: 1, notify_retry_base_ms: 100, notify_retry_max_ms: 400, notify_retry_attempts: 1000 };

const params = (r: Received) => new URL(r.url, 'http://x').searchParams;
const action = (r: Received) => params(r).get('action') ?? '';
const clientId = (r: Received) => params(r).get('client_id') ?? '';
const from = (r: Received) => String(r.headers['x-stserver-id'] ?? '');
const deliveryId = (r: Received) => String(r.headers['x-tether-delivery-id'] ?? '');
const line = (r: Received) => `${action(r)} ${clientId(r)}`.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Queued notifications (server_up, server_down, client_connect, client_disconnect) through BullMQ: retried while
 * the receiver is down, none lost when control is killed with a backlog, each delivered once per delivery id
 * and in order per device.
 */
describe('queued notifications: a receiver down, a control killed, an edge stopping', () => {
  let rx: TestReceiver;
  let cluster: TetherCluster;
  let admin = 0;
  let answer: (r: Received) => Reply = () => ({ status: 200 });
  /** Every request the receiver answered 2xx, in arrival order. */
  const accepted: Received[] = [];
  const agents = new Map<string, TetherProcess>();
  const A = '00408c7d0001';
  const B = '00408c7d0002';

  const statusText = async () => (await curl(['--fail', `http://127.0.0.1:${admin}/admin/status.cgi`])).stdout.toString();
  const listedAs = (mac: string, count: number) =>
    waitFor(async () => (new RegExp(`^id=${count}\\.${mac} `, 'm').test(await statusText()) ? true : undefined), 20_000, `id=${count}.${mac}`);
  const reconnect = async (mac: string) => {
    const r = await curl(['--fail', `http://127.0.0.1:${admin}/admin/reconnect.cgi?client=${mac}`]);
    assert.equal(r.code, 0, r.stderr);
  };
  /** The receiver's view after dropping duplicates by delivery id: the first accepted request of each id. */
  const delivered = (mac?: string) => {
    const seen = new Set<string>();
    return accepted.filter((r) => {
      if (action(r) === 'client_hello' || seen.has(deliveryId(r))) return false;
      if (mac && clientId(r).split('.')[1] !== mac.toUpperCase()) return false;
      seen.add(deliveryId(r));
      return true;
    });
  };
  const lines = (mac: string) => delivered(mac).map(line);
  /** Each delivery id was accepted exactly once (none lost, none accepted twice). */
  const assertOncePerId = () => {
    const counts = new Map<string, number>();
    for (const r of accepted) if (action(r) !== 'client_hello') counts.set(deliveryId(r), (counts.get(deliveryId(r)) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'a delivery id accepted more than once');
  };
  const expected = (mac: string, steps: string[]) => steps.map((s) => `${s}.${mac.toUpperCase()}`);

  before(async () => {
    rx = await TestReceiver.start();
    rx.reply = (r) => {
      const a = answer(r);
      if (a.status >= 200 && a.status < 300) accepted.push(r);
      return a;
    };
    answer = (r) => ({ status: action(r) === 'client_hello' ? 204 : 200 });
    cluster = await TetherCluster.start({ edges: 1, edgeConfig: { notify_urls: rx.url(), ...RETRY } });
    admin = await cluster.startControl(RETRY);
    await rx.waitUntil(() => delivered().some((r) => action(r) === 'server_up'), 15_000, 'server_up');
  });
  after(async () => {
    await Promise.allSettled([...agents.values()].map((a) => a.stop()));
    await cluster?.stop();
    await rx?.close();
  });

  it('a receiver answering 503 for a while, then 200: every notification arrives once per delivery id, in order per device', async () => {
    answer = (r) => ({ status: action(r) === 'client_hello' ? 204 : 503 });
    agents.set(A, await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(A), '--simulate']));
    await listedAs(A, 1);
    await reconnect(A);
    await listedAs(A, 2);
    await reconnect(A);
    await listedAs(A, 3);
    // Retried meanwhile, with the same delivery id each time.
    await rx.waitUntil((all) => all.filter((r) => action(r) === 'client_connect').length >= 3, 10_000, 'retries');
    const retried = rx.received.filter((r) => action(r) === 'client_connect' && clientId(r).startsWith('1.'));
    assert.ok(retried.length >= 2 && new Set(retried.map(deliveryId)).size === 1, `${retried.length} attempts of connect 1, one delivery id`);
    assert.equal(delivered(A).length, 0, 'nothing accepted yet');

    answer = () => ({ status: 200 });
    await waitFor(() => (delivered(A).length >= 5 ? true : undefined), 20_000, 'five notifications of the device');
    await sleep(500); // a duplicate would show up now
    assert.deepEqual(lines(A), expected(A, ['client_connect 1', 'client_disconnect 1', 'client_connect 2', 'client_disconnect 2', 'client_connect 3']));
    assertOncePerId();
  });

  it('force_accept_clients = 1 (reloaded live): a device is accepted while the receiver is down', async () => {
    const edge = cluster.edges[0];
    writeFileSync(edge.config, `${readFileSync(edge.config, 'utf8')}force_accept_clients = 1\n`);
    const reloads = edge.proc.count(/configuration reloaded/);
    process.kill(edge.proc.pid!, 'SIGUSR1');
    await waitFor(() => (edge.proc.count(/configuration reloaded/) > reloads ? true : undefined), 5000, 'the edge reloaded');
    await rx.stop(); // port closed: client_hello gets no answer
    agents.set(B, await cluster.agent(['--servers', cluster.servers(), '--cert', await cluster.pki.deviceCert(B), '--simulate']));
    await listedAs(B, 1);
    assert.match(edge.proc.output, /did not answer; accepted \(force_accept_clients\)/);
  });

  it('control killed (SIGKILL) with a backlog while the receiver is down: none lost once control is back and the receiver up', async () => {
    await reconnect(A); // disconnect 3, connect 4 (accepted by force_accept_clients)
    await listedAs(A, 4);
    await cluster.control!.stop('SIGKILL');
    // Queued by the edge into Redis while no control runs.
    await agents.get(B)!.stop();
    await waitFor(() => (cluster.edges[0].proc.count(new RegExp(`disconnected: .*`)) >= 4 ? true : undefined), 10_000, 'B disconnected');
    await sleep(300);
    admin = await cluster.startControl(RETRY);
    await rx.restart();
    await waitFor(() => (delivered(A).length >= 7 && delivered(B).length >= 2 ? true : undefined), 60_000, 'the backlog');
    await sleep(500);
    assert.deepEqual(
      lines(A),
      expected(A, ['client_connect 1', 'client_disconnect 1', 'client_connect 2', 'client_disconnect 2', 'client_connect 3', 'client_disconnect 3', 'client_connect 4']),
    );
    assert.deepEqual(lines(B), expected(B, ['client_connect 1', 'client_disconnect 1']));
    assertOncePerId();
  });

  it('an edge that stops queues its devices\' client_disconnect and server_down, delivered by control after the edge is gone', async () => {
    await cluster.edges[0].proc.stop();
    await waitFor(() => (delivered().some((r) => action(r) === 'server_down') ? true : undefined), 15_000, 'server_down');
    const down = delivered().find((r) => action(r) === 'server_down')!;
    assert.equal(down.method, 'DELETE');
    assert.equal(down.url, '/notify?action=server_down');
    assert.equal(from(down), 'edge-0');
    assert.deepEqual(lines(A).slice(-1), expected(A, ['client_disconnect 4']));
    const all = delivered();
    assert.equal(all.filter((r) => action(r) === 'server_up').length, 1);
    assertOncePerId();
  });
});

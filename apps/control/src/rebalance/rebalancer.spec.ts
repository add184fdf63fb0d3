import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceStatus } from '@tether/protocol';
import { ManualClock, noopMetrics } from '@tether/telemetry';
import { DeviceCommander } from '../commands/device-commander.service';
import { askCgi, controlDeps } from '../testing/control-deps.fixture';
import { parseRebalanceArgs } from './rebalance-args';
import { RebalanceCgi } from './rebalance.cgi';
import { Rebalancer } from './rebalancer.service';

const settle = () => new Promise((r) => setImmediate(r));
const mac = (i: number) => `00408c00${i.toString(16).padStart(4, '0')}`;

/** Three edges (e0 holding `n` devices, e1 and e2 empty) whose devices follow redirects unless told otherwise. */
async function cluster(n: number, opts: { stays?: Set<string>; draining?: boolean; shared?: boolean } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const deps = controlDeps('', { clock });
  const moves: string[] = []; // tether_device_moves_total, as counted
  deps.metrics = { ...noopMetrics, deviceMove: (c, r) => void moves.push(`${c} ${r}`) };
  const edges = ['e0', 'e1', 'e2'];
  // shared: one load balancer (svc:8443) in front of all three, handing new connections out in turn.
  for (const id of edges) await deps.presence.announceEdge(id, `${id}:7000`, 10_000, { client: opts.shared ? 'svc:8443' : `${id}:8443` });
  let turn = 0;
  if (opts.draining) await deps.presence.announceEdge('e3', 'e3:7000', 10_000, { client: 'e3:8443', draining: true });
  const at = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    at.set(mac(i), 'e0');
    await deps.presence.claim({ mac: mac(i), edgeId: 'e0', edgeAddress: 'e0:7000', connectionId: `1.${mac(i)}`, srcaddr: '', connectedAt: 0, protocolVersion: 2 });
  }
  (deps.edgeLink as { status(address: string): Promise<DeviceStatus[]> }).status = async (address: string) =>
    [...at].filter(([, e]) => `${e}:7000` === address).map(([m]) => ({ mac: m }) as DeviceStatus);
  deps.edgeLink.answer = async (_address, cmd) => {
    if (opts.stays?.has(cmd.mac)) return { ok: true, detail: 'OK (not in server list, staying)' };
    if (!(await deps.presence.lookup(cmd.mac))) return { ok: false, detail: `device ${cmd.mac} is not connected here` };
    const to = cmd.command === 'reconnect' ? edges[turn++ % edges.length] : (cmd.server ?? '').split(':')[0];
    at.set(cmd.mac, to);
    await deps.presence.claim({ mac: cmd.mac, edgeId: to, edgeAddress: `${to}:7000`, connectionId: `2.${cmd.mac}`, srcaddr: '', connectedAt: 0, protocolVersion: 2 });
    return { ok: true, detail: 'OK' };
  };
  const rebalancer = new Rebalancer(deps, new DeviceCommander(deps));
  return { deps, clock, at, rebalancer, moves };
}

/** Runs the clock in small steps until `p` settles. */
async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 50): Promise<T> {
  let done = false;
  void p.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await settle();
    clock.advance(stepMs);
  }
  return p;
}

describe('Rebalancer', () => {
  it('moves the surplus of the full edge to the empty ones at the rate, and reports each move and a summary', async () => {
    const { clock, at, rebalancer, moves: counted } = await cluster(9);
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 2, dryRun: false, write: (l) => lines.push(l), cancelled: () => false }));
    assert.deepEqual(summary, { planned: 6, moved: 6, reconnected: 0, stayed: 0, failed: 0, confirmed: 6, rounds: 1 });
    const count = (e: string) => [...at.values()].filter((x) => x === e).length;
    assert.deepEqual([count('e0'), count('e1'), count('e2')], [3, 3, 3]);
    assert.equal(lines[0], 'rebalance: 9 device(s) on 3 edge(s): e0 9, e1 0, e2 0');
    assert.equal(lines[1], 'plan: 6 move(s) at 2/s (about 3.0 s), ending with e0 3, e1 3, e2 3');
    const moves = lines.filter((l) => /^\+\S+ moved /.test(l));
    // One every 500 ms: the stagger is the rate.
    assert.deepEqual(moves.map((l) => l.split(' ')[0]), ['+0.000s', '+0.500s', '+1.000s', '+1.500s', '+2.000s', '+2.500s']);
    assert.match(moves[0], /^\+0\.000s moved 00408c00\w{4} e0 -> e1 \(e1:8443\)$/);
    assert.match(lines[lines.length - 1], /^done in [\d.]+ s: moved 6, stayed 0, failed 0; 6 of 6 moved device\(s\) seen on their target$/);
    assert.deepEqual(counted, Array(6).fill('rebalance redirected'));
  });

  it('counts a device whose server list lacks the target as stayed, and one that is gone as failed', async () => {
    const { deps, clock, rebalancer, moves: counted } = await cluster(3, { stays: new Set([mac(1)]) });
    await deps.presence.release(mac(2), (await deps.presence.lookup(mac(2)))!.epoch); // left meanwhile
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 100, dryRun: false, write: (l) => lines.push(l), cancelled: () => false }));
    assert.equal(summary.planned, 2);
    assert.deepEqual([summary.moved, summary.stayed, summary.failed], [0, 1, 1]);
    assert.deepEqual([...counted].sort(), ['rebalance failed', 'rebalance stayed']);
    assert.ok(lines.some((l) => /stayed 00408c000001 on e0: e\d:8443 is not in its server list/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /failed 00408c000002 e0 -> e\d: Client 00408c000002 is not connected/.test(l)), lines.join('\n'));
  });

  it('leaves draining edges out, and a dry run moves nothing', async () => {
    const { deps, clock, rebalancer } = await cluster(6, { draining: true });
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 5, dryRun: true, write: (l) => lines.push(l), cancelled: () => false }));
    assert.equal(summary.planned, 4);
    assert.equal(lines.filter((l) => l.startsWith('would move')).length, 4);
    assert.ok(!lines.some((l) => l.includes('e3')), lines.join('\n'));
    assert.equal(lines[lines.length - 1], 'dry run: 4 move(s) planned, none made');
    assert.equal(deps.edgeLink.sent.length, 0);
  });

  it('edges behind one shared address: reconnects in rounds from fresh counts until within tolerance, no device lost', async () => {
    const { clock, at, rebalancer, moves: counted } = await cluster(90, { shared: true });
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 100, dryRun: false, write: (l) => lines.push(l), cancelled: () => false }));
    const count = (e: string) => [...at.values()].filter((x) => x === e).length;
    const end = [count('e0'), count('e1'), count('e2')];
    assert.equal(end[0] + end[1] + end[2], 90);
    // The balancer hands a third of each round back to e0: 60 -> e0 50; 20 -> 37 (+7); 7 -> 32 (+2), within 10 %.
    assert.deepEqual(end, [32, 29, 29], lines.join('\n'));
    assert.deepEqual(summary, { planned: 87, moved: 0, reconnected: 87, stayed: 0, failed: 0, confirmed: 0, rounds: 3 });
    assert.deepEqual(counted, Array(87).fill('rebalance reconnected'));
    assert.equal(lines[0], 'edges e0, e1, e2 share the device address svc:8443: devices move between them by reconnect, in rounds');
    assert.equal(lines[2], 'plan: 60 move(s) at 100/s (about 0.6 s), ending with e0 30, e1 30, e2 30');
    assert.equal(lines[3], '60 of them reconnect: the target shares the source\'s device address, the load balancer picks the edge');
    assert.match(lines[4], /^\+0\.000s round 1 reconnect 00408c00\w{4} from e0 \(svc:8443\)$/);
    assert.equal(lines.filter((l) => / round 2 reconnect /.test(l)).length, 20);
    assert.ok(lines.includes('round 2: e0 50, e1 20, e2 20'), lines.join('\n'));
    assert.ok(lines.includes('round 4: e0 32, e1 29, e2 29: within tolerance'), lines.join('\n'));
    assert.match(lines[lines.length - 1], /^done in [\d.]+ s: moved 0, reconnected 87 in 3 round\(s\), stayed 0, failed 0; 0 of 0 moved device\(s\) seen on their target$/);
  });

  it('stops after the last round even when the balancer keeps sending devices back', async () => {
    const { deps, clock, rebalancer } = await cluster(30, { shared: true });
    // A balancer that always picks e0: every reconnect lands on the source again.
    deps.edgeLink.answer = async (_address, cmd) => {
      await deps.presence.claim({ mac: cmd.mac, edgeId: 'e0', edgeAddress: 'e0:7000', connectionId: `n.${cmd.mac}`, srcaddr: '', connectedAt: 0, protocolVersion: 2 });
      return { ok: true, detail: 'OK' };
    };
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 100, dryRun: false, write: (l) => lines.push(l), cancelled: () => false }));
    assert.equal(summary.rounds, 4);
    assert.equal(summary.reconnected, 80);
    assert.equal(lines.filter((l) => l.startsWith('round ') && !l.includes('plan')).pop(), 'round 5: e0 30, e1 0, e2 0: stopping after 4 rounds');
  });

  it('a dry run over a shared address shows the action per device', async () => {
    const { deps, clock, rebalancer } = await cluster(6, { shared: true });
    await deps.presence.announceEdge('e2', 'e2:7000', 10_000, { client: 'e2:8443' }); // e2 has its own address
    const lines: string[] = [];
    const summary = await drive(clock, rebalancer.run({ rate: 5, dryRun: true, write: (l) => lines.push(l), cancelled: () => false }));
    assert.equal(summary.planned, 4);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('would')).map((l) => l.replace(/00408c00\w{4}/, 'M')),
      ['would reconnect M from e0 (svc:8443)', 'would move M e0 -> e2 (e2:8443)', 'would reconnect M from e0 (svc:8443)', 'would move M e0 -> e2 (e2:8443)'],
    );
    assert.equal(lines[lines.length - 1], 'dry run: 4 move(s) planned, none made (2 reconnect(s); later rounds depend on where they land)');
    assert.equal(deps.edgeLink.sent.length, 0);
  });

  it('stops issuing moves once the caller went away', async () => {
    const { deps, clock, rebalancer } = await cluster(30);
    let gone = false;
    const run = rebalancer.run({ rate: 10, dryRun: false, write: () => undefined, cancelled: () => gone });
    for (let i = 0; i < 6; i++) {
      await settle();
      clock.advance(50);
    }
    gone = true;
    await drive(clock, run);
    assert.ok(deps.edgeLink.sent.length > 0 && deps.edgeLink.sent.length < 20, `${deps.edgeLink.sent.length} sent`);
  });

  it('refuses a second rebalance while one runs (rebalance.cgi answers 409)', async () => {
    const { deps, clock, rebalancer } = await cluster(9);
    const first = rebalancer.run({ rate: 1, dryRun: false, write: () => undefined, cancelled: () => false });
    await assert.rejects(rebalancer.run({ rate: 1, dryRun: false, write: () => undefined, cancelled: () => false }), /already running/);
    const cgi = new RebalanceCgi(deps, rebalancer);
    const a = await askCgi(cgi, `${cgi.path}?rate=5`);
    assert.equal(a.status, 409);
    assert.equal(a.body, 'Request failed. (Reason: A rebalance is already running; wait for its summary.)\n');
    await drive(clock, first, 500);
  });
});

describe('rebalance.cgi arguments', () => {
  const u = (q: string) => new URL(`http://admin/admin/rebalance.cgi?${q}`);
  it('take rate and dry_run, with rebalance_rate as the default rate', () => {
    assert.deepEqual(parseRebalanceArgs(u(''), 20), { ok: true, value: { rate: 20, dryRun: false } });
    assert.deepEqual(parseRebalanceArgs(u('rate=50&dry_run=1'), 20), { ok: true, value: { rate: 50, dryRun: true } });
  });
  it('refuse a bad rate, a bad dry_run, a repeated or unknown argument with the reason', () => {
    const reason = (q: string) => (parseRebalanceArgs(u(q), 20) as { reason: string }).reason;
    assert.equal(reason('rate=0'), 'Invalid rate "0": expected devices per second from 1 to 10000');
    assert.equal(reason('rate=fast'), 'Invalid rate "fast": expected devices per second from 1 to 10000');
    assert.equal(reason('rate=10001'), 'Invalid rate "10001": expected devices per second from 1 to 10000');
    assert.equal(reason('rate='), 'Missing argument rate');
    assert.equal(reason('rate=1&rate=2'), 'Argument rate given 2 times');
    assert.equal(reason('dry_run=yes'), 'Invalid dry_run "yes": expected 0 or 1');
    assert.equal(reason('client=00408c000001'), 'Unknown argument "client"');
  });
  it('answer 400 in the O3C form', async () => {
    const { deps, rebalancer } = await cluster(0);
    const cgi = new RebalanceCgi(deps, rebalancer);
    const a = await askCgi(cgi, `${cgi.path}?rate=-1`);
    assert.equal(a.status, 400);
    assert.equal(a.body, 'Request failed. (Reason: Invalid rate "-1": expected devices per second from 1 to 10000.)\n');
  });
});

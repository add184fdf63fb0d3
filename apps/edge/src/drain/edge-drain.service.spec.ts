import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '@tether/config';
import { MemoryPresenceStore } from '@tether/presence';
import type { ControlCommand, DeviceCommandReply, DeviceStatus } from '@tether/protocol';
import { LOG_LEVELS, Logger, ManualClock, noopMetrics } from '@tether/telemetry';
import type { EdgeDeps } from '../edge.deps';
import type { DeviceListener } from '../listener/device-listener.service';
import type { DeviceRegistry } from '../sessions/device-registry.service';
import type { DeviceSession } from '../sessions/device-session';
import { EdgeDrain } from './edge-drain.service';

const settle = () => new Promise((r) => setImmediate(r));

/** A device connection as the drain sees it: a server list, and what it does with a redirect. */
class FakeSession {
  isClosed = false;
  isRetiring = false;
  redirectedTo?: string;
  readonly logCtx = { client: '' };
  constructor(
    readonly mac: string,
    readonly servers: string[],
    /** 'moves': its new connection displaces this one (retired); 'stays': answers OK but never leaves; 'refuses'. */
    private readonly behaviour: 'moves' | 'stays' | 'refuses' = 'moves',
  ) {
    this.logCtx.client = `1.${mac}@x`;
  }
  async command(cmd: ControlCommand): Promise<DeviceCommandReply> {
    if (cmd.type !== 'redirect') throw new Error('only redirects here');
    if (this.behaviour === 'refuses') return { ok: false, detail: 'busy' };
    this.redirectedTo = cmd.server;
    if (this.behaviour === 'moves') setImmediate(() => (this.isRetiring = true));
    return { ok: true, detail: 'OK' };
  }
}

async function setup(sessions: FakeSession[], opts: { others?: Array<[string, string | undefined, number]>; rate?: number } = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const config = parseConfig(`stserverid = edge-0\ndrain_rate = ${opts.rate ?? 10}\ndrain_deadline = 30\n`, 'edge.conf', { env: {} });
  const presence = new MemoryPresenceStore();
  await presence.announceEdge('edge-0', 'e0:7000', 10_000, { client: 'e0:8443' });
  const loads = new Map<string, number>();
  for (const [id, client, load] of opts.others ?? [['edge-1', 'e1:8443', 0], ['edge-2', 'e2:8443', 0]]) {
    await presence.announceEdge(id, `${id}:7000`, 10_000, client ? { client } : {});
    loads.set(`${id}:7000`, load);
  }
  const lines: string[] = [];
  const retired: Array<{ mac: string; at: number }> = [];
  const sent: Array<{ mac: string; at: number }> = [];
  for (const s of sessions) {
    const command = s.command.bind(s);
    s.command = (cmd) => {
      sent.push({ mac: s.mac, at: clock.now() });
      return command(cmd);
    };
  }
  let stopped = false;
  let draining: number | undefined;
  const registry = {
    edgeId: 'edge-0',
    clientAddress: 'e0:8443',
    all: () => sessions as unknown as DeviceSession[],
    get open() {
      return sessions.filter((s) => !s.isClosed).length;
    },
    get drainDeadline() {
      return draining ?? clock.now();
    },
    startDraining: async (until: number) => void (draining = until),
    retire: async (s: FakeSession) => {
      retired.push({ mac: s.mac, at: clock.now() });
      s.isRetiring = true;
      s.isClosed = true;
    },
  };
  const moves: string[] = [];
  const drainingFlags: boolean[] = [];
  const deps = {
    config,
    presence,
    clock,
    metrics: { ...noopMetrics, deviceMove: (c: string, r: string) => void moves.push(`${c} ${r}`), draining: (on: boolean) => void drainingFlags.push(on) },
    logger: new Logger({ level: LOG_LEVELS.debug, sinks: [(l) => lines.push(l)] }),
    edgeLink: { status: async (address: string) => Array.from({ length: loads.get(address) ?? 0 }, () => ({}) as DeviceStatus) },
  } as unknown as EdgeDeps;
  // A moved device's old connection closes once retired (its streams done).
  const closer = setInterval(() => sessions.forEach((s) => s.isRetiring && (s.isClosed = true)), 1);
  const drain = new EdgeDrain(deps, registry as unknown as DeviceRegistry, { stopAccepting: () => (stopped = true) } as unknown as DeviceListener);
  const run = async () => {
    const p = drain.drain();
    let done = false;
    void p.finally(() => (done = true));
    while (!done) {
      await settle();
      clock.advance(10);
    }
    clearInterval(closer);
    return p;
  };
  return { run, lines, retired, sent, clock, moves, drainingFlags, stopped: () => stopped, draining: () => draining };
}

describe('EdgeDrain', () => {
  it('stops accepting, says it drains, and redirects at drain_rate to the least-loaded edge of each list', async () => {
    const all = ['e0:8443', 'e1:8443', 'e2:8443'];
    const sessions = Array.from({ length: 6 }, (_, i) => new FakeSession(`00408c00000${i}`, all));
    const t = await setup(sessions, { others: [['edge-1', 'e1:8443', 2], ['edge-2', 'e2:8443', 0]], rate: 10 });
    const start = t.clock.now();
    const report = await t.run();
    assert.equal(t.stopped(), true);
    assert.equal(t.draining(), start + 30_000);
    assert.deepEqual(report && { ...report, ms: 0 }, { devices: 6, redirected: 6, reconnected: 0, remaining: 0, ms: 0 });
    // edge-2 starts 2 behind: it gets the first two, then they alternate.
    assert.deepEqual(sessions.map((s) => s.redirectedTo), ['e2:8443', 'e2:8443', 'e1:8443', 'e2:8443', 'e1:8443', 'e2:8443']);
    assert.deepEqual(t.sent.map((x) => x.at - start), [0, 100, 200, 300, 400, 500], 'one every 1/rate s');
    assert.deepEqual(t.moves, Array(6).fill('drain redirected'), 'tether_device_moves_total');
    assert.deepEqual(t.drainingFlags, [true], 'tether_edge_draining');
  });

  it('reconnects a device whose list names no other edge, and one that refuses or ignores the redirect', async () => {
    const sessions = [
      new FakeSession('00408c000010', ['e0:8443']),
      new FakeSession('00408c000011', ['e0:8443', 'e1:8443'], 'refuses'),
      new FakeSession('00408c000012', ['e0:8443', 'e1:8443'], 'stays'),
      new FakeSession('00408c000013', ['e1:8443']),
    ];
    const t = await setup(sessions);
    const report = await t.run();
    assert.deepEqual(t.retired.map((r) => r.mac).sort(), ['00408c000010', '00408c000011', '00408c000012']);
    assert.equal(report?.redirected, 1);
    assert.equal(report?.reconnected, 3);
    // The one that ignored the redirect counts once, as reconnected.
    assert.deepEqual([...t.moves].sort(), ['drain reconnected', 'drain reconnected', 'drain reconnected', 'drain redirected']);
    const stayed = t.retired.find((r) => r.mac === '00408c000012')!;
    assert.ok(stayed.at - t.sent.find((s) => s.mac === '00408c000012')!.at >= 10_000, 'given 10 s to move first');
    assert.ok(t.lines.some((l) => /reconnecting it: redirect to edge-1 not taken \(busy\)/.test(l)), t.lines.join('\n'));
  });

  it('does not drain when no other live edge takes devices (all-in-one, last edge)', async () => {
    const t = await setup([new FakeSession('00408c000020', ['e0:8443'])], { others: [] });
    assert.equal(await t.run(), null);
    assert.deepEqual(t.drainingFlags, []);
    assert.equal(t.stopped(), false);
    assert.ok(t.lines.some((l) => l.includes('no other live edge: closing device connections without a drain')));
  });

  it('behind one shared address (no redirect target) still drains: every device is reconnected at the rate', async () => {
    const sessions = [new FakeSession('00408c000030', ['svc:8443']), new FakeSession('00408c000031', ['svc:8443'])];
    const t = await setup(sessions, { others: [['edge-1', 'e0:8443', 0]] });
    const report = await t.run();
    assert.equal(report?.reconnected, 2);
    assert.ok(t.lines.some((l) => /draining 2 device\(s\) to the 1 other edge\(s\) through the devices' server lists \(reconnect\)/.test(l)), t.lines.join('\n'));
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { MemoryClusterBus } from '@tether/cluster';
import { ClaimResult, MemoryPresenceStore, PresenceClaim } from '@tether/presence';
import { Logger, ManualClock, noopMetrics } from '@tether/telemetry';
import type { EdgeDeps } from '../edge.deps';
import { EdgeCounters } from '../status/edge-counters';
import { DeviceTunnelService } from '../tunnel/device-tunnel.service';
import { DeviceRegistry } from './device-registry.service';
import type { DeviceSession } from './device-session';

/** Presence whose claims wait until the test lets them through (a slow Redis reply). */
class GatedPresence extends MemoryPresenceStore {
  private gates: Array<() => void> = [];
  failNext = false;
  override async claim(c: PresenceClaim): Promise<ClaimResult> {
    const result = super.claim(c); // the claim is in the store (and announced) at once...
    await new Promise<void>((r) => this.gates.push(r)); // ...its reply reaches the edge later
    if (this.failNext) throw new Error('Connection is closed.');
    return result;
  }
  get waiting(): number {
    return this.gates.length;
  }
  letThrough(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

/** What the registry and the tunnel service use of a device connection. */
class FakeSession {
  epoch = '';
  isClosed = false;
  readonly connectionId: string;
  readonly srcaddr = '127.0.0.1:50000';
  readonly connectedAt = 1;
  readonly protocolVersion = 1;
  readonly logCtx: { client: string };
  readonly log = new Logger({ level: 0 });
  private closers: Array<(reason: string) => void> = [];
  constructor(
    readonly mac: string,
    count: number,
  ) {
    this.connectionId = `${count}.${mac}`;
    this.logCtx = { client: this.connectionId };
  }
  onClose(fn: (reason: string) => void): void {
    this.closers.push(fn);
  }
  send(): void {}
  async lease(): Promise<string> {
    if (this.isClosed) throw new Error('closed');
    return `channel of ${this.connectionId}`;
  }
  close(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const fn of this.closers) fn(reason);
  }
}

function setup() {
  const config = parseConfig('stserverid = edge-1\n', 'edge.conf', { env: {} });
  const presence = new GatedPresence();
  const deps: EdgeDeps = {
    config,
    live: new ConfigHolder(config),
    presence,
    edgeLink: { command: async () => ({ ok: true, detail: '' }) } as unknown as EdgeDeps['edgeLink'],
    logger: new Logger({ level: 0 }),
    bus: new MemoryClusterBus(),
    metrics: noopMetrics,
    clock: new ManualClock(1_700_000_000_000),
  };
  const registry = new DeviceRegistry(deps, new EdgeCounters());
  const tunnel = new DeviceTunnelService(registry, deps);
  return { presence, registry, tunnel };
}

const MAC = '00408c5d0001';
const settle = () => new Promise((r) => setImmediate(r));

describe('device registry: streams while a claim is under way', () => {
  it('a stream routed by a claim whose reply has not arrived yet reaches the new session, not "not connected"', async () => {
    const { presence, registry, tunnel } = setup();
    const session = new FakeSession(MAC, 1);
    const accepting = registry.accept(session as unknown as DeviceSession);
    await settle();
    assert.equal(presence.waiting, 1, 'the claim waits for its reply');
    const rec = await presence.lookup(MAC);
    assert.equal(rec?.edgeId, 'edge-1', 'gateways already see the device here');

    assert.equal(await tunnel.open(MAC, '10.0.0.9'), 'channel of 1.00408c5d0001');

    presence.letThrough();
    await accepting;
    assert.equal(session.epoch, rec?.epoch);
    assert.equal(await tunnel.open(MAC, '10.0.0.9'), 'channel of 1.00408c5d0001');
  });

  it('a newer connection of a device held here takes the streams from the start of its claim', async () => {
    const { presence, registry, tunnel } = setup();
    const older = new FakeSession(MAC, 1);
    const first = registry.accept(older as unknown as DeviceSession);
    presence.letThrough();
    await settle();
    presence.letThrough();
    await first;

    const newer = new FakeSession(MAC, 2);
    const second = registry.accept(newer as unknown as DeviceSession);
    await settle();
    assert.equal(await tunnel.open(MAC, '10.0.0.9'), 'channel of 2.00408c5d0001');
    presence.letThrough();
    await second;
    assert.ok(older.isClosed, 'the older connection was replaced');
    assert.equal(registry.get(MAC), newer as unknown as DeviceSession);
  });

  it('a claim that fails leaves no stream target behind: the next stream is refused as not connected', async () => {
    const { presence, registry, tunnel } = setup();
    const session = new FakeSession(MAC, 1);
    presence.failNext = true;
    const accepting = registry.accept(session as unknown as DeviceSession);
    await settle();
    presence.letThrough();
    await assert.rejects(accepting, /Connection is closed/);
    await assert.rejects(tunnel.open(MAC, '10.0.0.9'), { code: 'not-connected', message: `Device ${MAC} is not connected` });
    assert.equal(registry.size, 0);
  });
});

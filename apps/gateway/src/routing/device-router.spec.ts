import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { MemoryPresenceStore, PresenceClaim, PresenceRecord, PresenceWatcher } from '@tether/presence';
import { Logger, noopMetrics } from '@tether/telemetry';
import { MemoryClusterBus } from '@tether/cluster';
import type { GatewayDeps } from '../gateway.deps';
import { DeviceRouter } from './device-router.service';
import { MemoryShortcutStore } from '@tether/shortcuts';
import { fakeClock } from '@tether/testing';

const MAC = '00408c123456';
const claimOf = (edgeId: string): PresenceClaim => ({
  mac: MAC,
  edgeId,
  edgeAddress: `${edgeId}:7000`,
  connectionId: `1.${MAC}`,
  srcaddr: '10.0.0.1:4000',
  connectedAt: 0,
  protocolVersion: 2,
});

/** Memory presence that publishes changes like the Redis store (unless told to lose them) and counts lookups. */
class WatchedStore extends MemoryPresenceStore {
  watcher?: PresenceWatcher;
  lookups = 0;
  publish = true;
  watch(w: PresenceWatcher): () => Promise<void> {
    this.watcher = w;
    w.live(true);
    return async () => undefined;
  }
  override async claim(c: PresenceClaim) {
    const r = await super.claim(c);
    if (this.publish) this.watcher?.changed(c.mac);
    return r;
  }
  override async release(mac: string, epoch: string) {
    const ok = await super.release(mac, epoch);
    if (ok && this.publish) this.watcher?.changed(mac);
    return ok;
  }
  override async lookup(mac: string): Promise<PresenceRecord | null> {
    this.lookups++;
    return super.lookup(mac);
  }
}

async function routerWith(store: WatchedStore, extra = '') {
  const clock = fakeClock(1_000_000);
  const config = parseConfig(extra, 'test.conf');
  const deps: GatewayDeps = {
    config,
    live: new ConfigHolder(config),
    presence: store,
    edgeLink: {} as GatewayDeps['edgeLink'],
    shortcuts: new MemoryShortcutStore(),
    logger: new Logger({ level: 0 }),
    bus: new MemoryClusterBus(),
    metrics: noopMetrics,
    clock,
  };
  await store.announceEdge('edge-a', 'a:7000');
  await store.announceEdge('edge-b', 'b:7000');
  const router = new DeviceRouter(deps);
  router.onModuleInit();
  return { router, clock };
}

describe('DeviceRouter presence cache', () => {
  it('answers repeated routes from the cache (no store lookup)', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-a');
    const before = store.lookups;
    for (let i = 0; i < 5; i++) assert.equal((await router.route(MAC))?.edgeId, 'edge-a');
    assert.equal(store.lookups, before);
  });

  it('routes to the new edge at once when another edge claims the device', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-a');
    await store.claim(claimOf('edge-b'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-b');
  });

  it('says offline at once when the device is released', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    const { epoch } = await store.claim(claimOf('edge-a'));
    assert.ok(await router.route(MAC));
    await store.release(MAC, epoch);
    assert.equal(await router.route(MAC), null);
  });

  it('caches offline answers too, until the device is claimed', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    assert.equal(await router.route(MAC), null);
    const before = store.lookups;
    assert.equal(await router.route(MAC), null);
    assert.equal(store.lookups, before);
    await store.claim(claimOf('edge-a'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-a');
  });

  it('forgets everything when the subscription comes back (changes in between were lost)', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-a');
    store.watcher!.live(false);
    store.publish = false; // Redis away: this claim's message is lost
    await store.claim(claimOf('edge-b'));
    assert.equal((await router.route(MAC))?.edgeId, 'edge-b', 'not subscribed: asks the store');
    store.watcher!.live(true);
    assert.equal((await router.route(MAC))?.edgeId, 'edge-b');
  });

  it('asks the store every time while not subscribed', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    store.watcher!.live(false);
    const before = store.lookups;
    await router.route(MAC);
    await router.route(MAC);
    assert.equal(store.lookups, before + 2);
  });

  it('does not keep the answer of a lookup that was under way when its MAC changed', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    const slow = store.lookup.bind(store);
    let release!: () => void;
    store.lookup = async (mac) => {
      const rec = await slow(mac); // reads edge-a ...
      await new Promise<void>((r) => (release = r)); // ... and its answer is delayed past the claim below
      return rec;
    };
    const pending = router.route(MAC);
    await new Promise((r) => setImmediate(r));
    store.lookup = slow;
    await store.claim(claimOf('edge-b'));
    release();
    assert.equal((await pending)?.edgeId, 'edge-a', 'the answer under way is what Redis said then');
    assert.equal((await router.route(MAC))?.edgeId, 'edge-b', 'but it was not cached');
  });

  it('trusts a record presence_cache_ttl at most', async () => {
    const store = new WatchedStore();
    const { router, clock } = await routerWith(store, 'presence_cache_ttl = 5');
    await store.claim(claimOf('edge-a'));
    await router.route(MAC);
    const before = store.lookups;
    clock.t += 4000;
    await router.route(MAC);
    assert.equal(store.lookups, before);
    clock.t += 2000;
    await router.route(MAC);
    assert.equal(store.lookups, before + 1);
  });

  it('keeps presence_cache_size records at most', async () => {
    const store = new WatchedStore();
    const { router } = await routerWith(store, 'presence_cache_size = 3');
    for (let i = 0; i < 10; i++) await router.route(`00408c00000${i}`);
    assert.equal(router.cacheStats()?.size, 3);
  });

  it('treats the devices of an edge without a liveness key as offline', async () => {
    const store = new WatchedStore();
    const { router, clock } = await routerWith(store);
    await store.claim(claimOf('edge-a'));
    assert.ok(await router.route(MAC));
    await store.withdrawEdge('edge-a');
    clock.t += 1001;
    assert.equal(await router.route(MAC), null);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisFixture } from '@tether/testing';
import { connectRedis } from '@tether/redis';
import { RedisPresenceStore } from './presence.redis';
import { claimOf, presenceContract } from './presence.contract';

describe('Redis presence (real redis-server)', () => {
  let redis: RedisFixture;
  let store: RedisPresenceStore;
  before(async () => {
    redis = await RedisFixture.start();
    store = new RedisPresenceStore(connectRedis(redis.url), { prefix: 'test:', ttlMs: 60_000 });
  });
  after(async () => {
    await store.close();
    await redis.stop();
  });

  presenceContract(() => store);

  it('claims expire without a heartbeat', async () => {
    const short = new RedisPresenceStore(connectRedis(redis.url), { prefix: 'ttl:', ttlMs: 300 });
    await short.claim(claimOf('00408c0000aa', 'edge-a'));
    await short.announceEdge('edge-a', 'h:1');
    assert.ok(await short.lookup('00408c0000aa'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await short.lookup('00408c0000aa'), null);
    assert.equal(await short.edgeAlive('edge-a'), false);
    await short.close();
  });

  it('survives a Redis restart: refresh puts the claims back', async () => {
    const { epoch } = await store.claim(claimOf('00408c0000bb', 'edge-a'));
    await redis.stop();
    await redis.restart();
    const until = Date.now() + 5000;
    let lost: string[] | undefined;
    while (!lost && Date.now() < until) {
      lost = await store.refresh([{ ...claimOf('00408c0000bb', 'edge-a'), epoch }]).catch(() => undefined);
      if (!lost) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(lost, []);
    assert.equal((await store.lookup('00408c0000bb'))?.epoch, epoch);
  });

  it('publishes every change of holder to watchers: claim, release, re-created claim', async () => {
    const heard: string[] = [];
    let live = false;
    const unwatch = store.watch({ changed: (mac) => heard.push(mac), live: (v) => (live = v) });
    const until = Date.now() + 5000;
    while (!live && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(live, 'subscribed');
    const m = '00408c0000cc';
    const { epoch } = await store.claim(claimOf(m, 'edge-a'));
    await store.release(m, epoch);
    await store.release(m, epoch); // not the owner any more: no message
    await store.refresh([{ ...claimOf(m, 'edge-a'), epoch }]); // re-created
    await store.refresh([{ ...claimOf(m, 'edge-a'), epoch }]); // only extended: no message
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(heard, [m, m, m]);
    await unwatch();
  });

  it('watch says not live while Redis is away and live again once resubscribed', async () => {
    const states: boolean[] = [];
    const unwatch = store.watch({ changed: () => undefined, live: (v) => states.push(v) });
    const waitFor = async (n: number) => {
      const until = Date.now() + 10_000;
      while (states.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    };
    await waitFor(1);
    await redis.stop();
    await waitFor(2);
    await redis.restart();
    await waitFor(3);
    assert.deepEqual(states, [true, false, true]);
    await unwatch();
  });
});

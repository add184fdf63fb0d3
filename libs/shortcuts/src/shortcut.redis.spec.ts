import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { RedisFixture } from '@tether/testing';
import { RedisShortcutStore } from './shortcut.redis';
import { shortcutContract, specOf } from './shortcut.contract';

describe('RedisShortcutStore (real redis-server)', () => {
  let redis: RedisFixture;
  let store: RedisShortcutStore;
  let raw: Redis;
  before(async () => {
    redis = await RedisFixture.start();
    store = new RedisShortcutStore(new Redis(redis.url), { prefix: 'test:' });
    raw = new Redis(redis.url);
  });
  after(async () => {
    await store.close();
    raw.disconnect();
    await redis.stop();
  });

  shortcutContract(
    () => store,
    (ms) => new Promise((r) => setTimeout(r, ms)),
    200, // ms: a late timer on a busy machine must not make a live shortcut look expired
  );

  it('keeps each shortcut under <prefix>sc:<token> with the timeout as its TTL, restarted on access', async () => {
    const s = await store.create(specOf({ timeoutMs: 60_000 }));
    const key = `test:sc:${s.token}`;
    const ttl = await raw.pttl(key);
    assert.ok(ttl > 55_000 && ttl <= 60_000, `TTL ${ttl}`);
    await raw.pexpire(key, 1000);
    assert.ok(await store.access(s.token));
    assert.ok((await raw.pttl(key)) > 55_000, 'access put the full timeout back');
  });

  it('a second store on another connection (another gateway) sees the same shortcuts', async () => {
    const other = new RedisShortcutStore(new Redis(redis.url), { prefix: 'test:' });
    const s = await store.create(specOf({ timeoutMs: 60_000 }));
    assert.equal((await other.access(s.token))?.mac, s.mac);
    const elsewhere = new RedisShortcutStore(new Redis(redis.url), { prefix: 'other:' });
    assert.equal(await elsewhere.access(s.token), null, 'another redis_prefix is another cluster');
    await other.close();
    await elsewhere.close();
  });
});

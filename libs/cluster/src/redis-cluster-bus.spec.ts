import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { RedisFixture } from '@tether/testing';
import { RedisClusterBus } from './redis-cluster-bus';
import { busContract } from './cluster-bus.contract';

describe('RedisClusterBus (real redis-server)', () => {
  let redis: RedisFixture;
  let bus: RedisClusterBus;
  let other: RedisClusterBus;
  before(async () => {
    redis = await RedisFixture.start();
    bus = new RedisClusterBus(new Redis(redis.url), { prefix: 't1:' });
    other = new RedisClusterBus(new Redis(redis.url), { prefix: 't1:' });
  });
  after(async () => {
    await bus.close();
    await other.close();
    await redis.stop();
  });

  busContract(() => bus, { expire: (ms) => new Promise((r) => setTimeout(r, ms)) });

  it('carries messages between processes (connections) and keeps prefixes apart', async () => {
    const foreign = new RedisClusterBus(new Redis(redis.url), { prefix: 't2:' });
    const got: unknown[] = [];
    const gotForeign: unknown[] = [];
    const un = await other.subscribe('q', (m) => got.push(m));
    const unf = await foreign.subscribe('q', (m) => gotForeign.push(m));
    await bus.publish('q', { hello: 'world' });
    const until = Date.now() + 2000;
    while (!got.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [{ hello: 'world' }]);
    assert.deepEqual(gotForeign, []);
    await bus.addTotals({ total_z: 4 });
    assert.equal((await other.totals()).total_z, 4);
    assert.equal((await foreign.totals()).total_z, undefined);
    await un();
    await unf();
    await foreign.close();
  });

  it('keeps the totals in one Redis hash under the prefix', async () => {
    await bus.addTotals({ total_w: 9 });
    const direct = new Redis(redis.url);
    assert.equal(await direct.hget('t1:totals', 'total_w'), '9');
    direct.disconnect();
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryClusterBus } from './memory-cluster-bus';
import { busContract } from './cluster-bus.contract';

describe('MemoryClusterBus', () => {
  let t = 0;
  const bus = new MemoryClusterBus(() => t);
  busContract(() => bus, {
    expire: async (ms) => {
      t += ms;
    },
  });

  it('counts open subscriptions, so a leak shows', async () => {
    const b = new MemoryClusterBus();
    const un = await b.subscribe('x', () => undefined);
    assert.equal(b.subscriptions('x'), 1);
    await un();
    assert.equal(b.subscriptions(), 0);
  });
});

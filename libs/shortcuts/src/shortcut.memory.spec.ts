import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryShortcutStore } from './shortcut.memory';
import { shortcutContract, specOf } from './shortcut.contract';

describe('MemoryShortcutStore (injected clock)', () => {
  let now = 1_000_000;
  const store = new MemoryShortcutStore(() => now);
  shortcutContract(
    () => store,
    async (ms) => {
      now += ms;
    },
    1000,
  );

  it('expires exactly at the timeout, not a millisecond later', async () => {
    const s = await store.create(specOf({ timeoutMs: 5000 }));
    now += 4999;
    assert.ok(await store.access(s.token));
    now += 5000;
    assert.equal(await store.access(s.token), null);
  });

  it('a caller changing what it got back does not change the stored shortcut', async () => {
    const s = await store.create(specOf());
    s.methods.push('DELETE');
    const got = await store.access(s.token);
    assert.deepEqual(got?.methods, ['POST', 'GET']);
    got?.methods.push('PUT');
    assert.deepEqual((await store.access(s.token))?.methods, ['POST', 'GET']);
  });

  it('sweeps expired shortcuts on a later create, so memory stays bounded', async () => {
    const local = new MemoryShortcutStore(() => now);
    for (let i = 0; i < 5; i++) await local.create(specOf({ timeoutMs: 1000 }));
    assert.equal(local.size, 5);
    now += 61_000;
    await local.create(specOf({ timeoutMs: 1000 }));
    assert.equal(local.size, 1);
  });
});

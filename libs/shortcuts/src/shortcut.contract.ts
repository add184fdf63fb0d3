import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ShortcutSpec, ShortcutStore } from './shortcut.types';

export const specOf = (over: Partial<ShortcutSpec> = {}): ShortcutSpec => ({
  mac: '00408c123456',
  path: '/axis-cgi/param.cgi',
  query: 'action=list',
  credentials: { user: 'root', pass: 'p:ss' },
  methods: ['POST', 'GET'],
  timeoutMs: 1000,
  ...over,
});

/**
 * The rules every ShortcutStore keeps (run against memory and Redis). `advance(ms)` lets time pass:
 * the injected clock for memory, real time for Redis (so keep the timeouts short).
 */
export function shortcutContract(store: () => ShortcutStore, advance: (ms: number) => Promise<void>, unit: number): void {
  it('create hands out a fresh 128-bit hex token and access returns what was stored', async () => {
    const spec = specOf({ timeoutMs: 10 * unit });
    const a = await store().create(spec);
    const b = await store().create(spec);
    assert.match(a.token, /^[0-9a-f]{32}$/);
    assert.notEqual(a.token, b.token);
    assert.deepEqual(await store().access(a.token), { ...spec, token: a.token });
  });

  it('an unknown token finds nothing', async () => {
    assert.equal(await store().access('0123456789abcdef0123456789abcdef'), null);
  });

  it('a shortcut nobody accesses expires after its timeout', async () => {
    const s = await store().create(specOf({ timeoutMs: 3 * unit }));
    await advance(4 * unit);
    assert.equal(await store().access(s.token), null);
  });

  it('each access restarts the timeout, so a shortcut in use outlives it; then it expires', async () => {
    const s = await store().create(specOf({ timeoutMs: 3 * unit, path: null, query: null, credentials: null }));
    for (let i = 0; i < 3; i++) {
      await advance(2 * unit);
      assert.ok(await store().access(s.token), `access ${i + 1} within the timeout`);
    }
    // 6 units since creation, twice the timeout: alive only because of the accesses.
    await advance(4 * unit);
    assert.equal(await store().access(s.token), null);
  });
}

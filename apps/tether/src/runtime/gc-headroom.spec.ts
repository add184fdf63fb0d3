import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GC_HEADROOM_BYTES, GcHeadroomDeps, growingPercent, keepGcHeadroom } from './gc-headroom';

const MB = 1024 * 1024;

describe('GC headroom (V8 growing factor)', () => {
  it('leaves 64 MiB of room above a small live heap', () => {
    assert.equal(growingPercent(21 * MB), Math.ceil((64 / 21) * 100));
    assert.equal(growingPercent(64 * MB), 100);
    // limit = live * (1 + pct/100) is at least live + headroom
    for (const live of [1, 5, 21, 100, 400]) assert.ok(live * MB * (growingPercent(live * MB) / 100) >= GC_HEADROOM_BYTES);
  });

  it('gives the factor back to V8 for a heap ten times the headroom, or an unknown size', () => {
    assert.equal(growingPercent(640 * MB), 0);
    assert.equal(growingPercent(2048 * MB), 0);
    assert.equal(growingPercent(0), 0);
    assert.equal(growingPercent(Number.NaN), 0);
  });

  it('sets the flag at once and again after a full GC, only when it changes', () => {
    let live = 20 * MB;
    const flags: string[] = [];
    let fullGc: (() => void) | undefined;
    let stopped = false;
    const deps: GcHeadroomDeps = {
      liveBytes: () => live,
      setFlags: (f) => flags.push(f),
      onFullGc: (fn) => {
        fullGc = fn;
        return () => (stopped = true);
      },
    };
    const stop = keepGcHeadroom(GC_HEADROOM_BYTES, deps);
    assert.deepEqual(flags, ['--heap-growing-percent=320']);
    fullGc!();
    assert.equal(flags.length, 1, 'same live size: no new flag');
    live = 32 * MB;
    fullGc!();
    live = 1024 * MB;
    fullGc!();
    assert.deepEqual(flags, ['--heap-growing-percent=320', '--heap-growing-percent=200', '--heap-growing-percent=0']);
    stop();
    assert.ok(stopped);
  });

  it('V8 takes the flag at run time, and each full GC is seen (real node)', () => {
    // V8 warns on stderr about a flag it does not know; the observer must not keep the process alive.
    const script = `const { keepGcHeadroom, nodeGcDeps } = require(${JSON.stringify(join(__dirname, 'gc-headroom.js'))});
      let looks = 0;
      const flags = [];
      keepGcHeadroom(undefined, { ...nodeGcDeps, liveBytes: () => (looks++, nodeGcDeps.liveBytes()),
        setFlags: (f) => (nodeGcDeps.setFlags(f), flags.push(f)) });
      global.gc();
      global.gc();
      setTimeout(() => process.stdout.write(JSON.stringify({ looks, flags })), 100);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stderr.toString(), '');
    const { looks, flags } = JSON.parse(r.stdout.toString()) as { looks: number; flags: string[] };
    assert.ok(looks >= 2, `looked at the heap ${looks} times: at start and after the full GCs`);
    assert.match(flags[0], /^--heap-growing-percent=\d+$/);
    assert.ok(Number(flags[0].split('=')[1]) > 100, `a small heap gets more than a doubling: ${flags[0]}`);
  });
});

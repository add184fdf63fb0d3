import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '@tether/testing';
import { AdmissionGate } from './admission.gate';

interface Item {
  id: number;
  gone?: boolean;
}

function gate(concurrency: number, maxWaitMs: number) {
  const clock = fakeClock();
  const started: number[] = [];
  const dropped: number[] = [];
  const releases = new Map<number, () => void>();
  const g = new AdmissionGate<Item>({
    concurrency,
    maxWaitMs,
    clock,
    gone: (i) => !!i.gone,
    start: (i, release) => {
      started.push(i.id);
      releases.set(i.id, release);
    },
    drop: (i) => dropped.push(i.id),
  });
  return { g, clock, started, dropped, releases };
}

describe('admission gate (device handshakes)', () => {
  it('runs at most `concurrency` at once; the rest start in arrival order as slots free', () => {
    const { g, started, releases } = gate(2, 10_000);
    for (let i = 1; i <= 5; i++) g.offer({ id: i });
    assert.deepEqual(started, [1, 2]);
    assert.equal(g.waiting, 3);
    releases.get(2)!();
    assert.deepEqual(started, [1, 2, 3]);
    releases.get(1)!();
    releases.get(1)!(); // releasing twice frees one slot only
    assert.deepEqual(started, [1, 2, 3, 4]);
    assert.equal(g.active, 2);
  });

  it('drops what waited longer than maxWait instead of starting it', () => {
    const { g, clock, started, dropped, releases } = gate(1, 5000);
    g.offer({ id: 1 });
    g.offer({ id: 2 });
    clock.t += 3000;
    g.offer({ id: 3 });
    clock.t += 2500; // 2 waited 5.5 s, 3 only 2.5 s
    releases.get(1)!();
    assert.deepEqual(started, [1, 3]);
    assert.deepEqual(dropped, [2]);
  });

  it('drops expired waiters even while every slot stays busy', () => {
    const { g, clock, started, dropped } = gate(1, 2000);
    g.offer({ id: 1 }); // never released
    g.offer({ id: 2 });
    g.offer({ id: 3 });
    clock.tick(3000);
    assert.deepEqual(started, [1]);
    assert.deepEqual(dropped, [2, 3]);
    assert.equal(g.waiting, 0);
  });

  it('skips waiters that went away by themselves (neither started nor dropped)', () => {
    const { g, started, dropped, releases } = gate(1, 10_000);
    const gone: Item = { id: 2 };
    g.offer({ id: 1 });
    g.offer(gone);
    g.offer({ id: 3 });
    gone.gone = true;
    releases.get(1)!();
    assert.deepEqual(started, [1, 3]);
    assert.deepEqual(dropped, []);
  });

  it('on close drops everything waiting and whatever is offered afterwards, and starts nothing more', () => {
    const { g, started, dropped, releases } = gate(1, 10_000);
    g.offer({ id: 1 });
    g.offer({ id: 2 });
    g.close();
    g.offer({ id: 3 });
    releases.get(1)!();
    assert.deepEqual(started, [1]);
    assert.deepEqual(dropped, [2, 3]);
  });
});

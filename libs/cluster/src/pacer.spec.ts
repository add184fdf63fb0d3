import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@tether/telemetry';
import { Pacer } from './pacer';

/** Lets promise callbacks run after the clock moved. */
const settle = () => new Promise((r) => setImmediate(r));

describe('Pacer', () => {
  it('spaces slots at the rate: 10/s is one every 100 ms, the first at once', async () => {
    const clock = new ManualClock(1000);
    const pacer = new Pacer({ ratePerS: 10, clock });
    const at: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 5; i++) {
        await pacer.next();
        at.push(clock.now());
      }
    })();
    for (let i = 0; i < 10; i++) {
      await settle();
      clock.advance(50);
    }
    await run;
    assert.deepEqual(at, [1000, 1100, 1200, 1300, 1400]);
  });

  it('does not burst to catch up after a caller fell behind', async () => {
    const clock = new ManualClock(0);
    const pacer = new Pacer({ ratePerS: 4, clock });
    await pacer.next(); // slot at 0
    clock.advance(2000); // the caller was busy for 8 intervals
    await pacer.next(); // now, not 8 slots at once
    const t = clock.now();
    let third = false;
    void pacer.next().then(() => (third = true));
    await settle();
    assert.equal(third, false, 'the next slot is one interval later');
    clock.advance(249);
    await settle();
    assert.equal(third, false);
    clock.advance(1);
    await settle();
    assert.equal(third, true);
    assert.equal(clock.now() - t, 250);
  });

  it('refuses a rate that is not above 0', () => {
    assert.throws(() => new Pacer({ ratePerS: 0, clock: new ManualClock() }), /rate must be above 0/);
  });
});

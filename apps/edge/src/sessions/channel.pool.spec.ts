import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { ChannelEvents } from '@tether/protocol';
import { ChannelPool } from './channel.pool';
import type { DeviceChannel } from './device-channel';

const settle = () => new Promise((r) => setImmediate(r));

/** A pool over in-memory channels; `opened` are the raw channels, in order. */
function pool(maxConn = 4) {
  const opened: PassThrough[] = [];
  const p = new ChannelPool({
    mac: '00408c000001',
    maxConn,
    open: async () => {
      const ch = new PassThrough();
      opened.push(ch);
      return ch;
    },
    count: { rx: () => undefined, tx: () => undefined },
    lostReason: () => 'gone',
  });
  return { p, opened };
}

/** Events of a stream bound to a channel, counting the GoAways it hears. */
function events() {
  const e = { goAways: 0 } as ChannelEvents & { goAways: number };
  Object.assign(e, { data: () => undefined, end: () => undefined, close: () => undefined, drain: () => undefined, goAway: () => e.goAways++ });
  return e;
}

describe('ChannelPool of a device that is leaving this edge', () => {
  it('closes idle channels, asks the streams holding one to give it back, and says when none is held', async () => {
    const { p, opened } = pool();
    const a = await p.lease(0);
    const b = await p.lease(0);
    const ea = events();
    const eb = events();
    a.bind(ea);
    b.bind(eb);
    const idle = await p.lease(0);
    idle.release(); // back in the pool, unused
    assert.equal(p.busy, 2);

    let idleCalls = 0;
    p.onIdle = () => idleCalls++;
    p.closeIdle();
    await settle();
    assert.ok(opened[2].destroyed, 'the idle channel is closed');
    assert.deepEqual([ea.goAways, eb.goAways], [1, 1], 'each held channel heard GoAway');
    assert.equal(idleCalls, 0, 'two streams still hold a channel');

    a.release();
    assert.ok(opened[0].destroyed, 'a channel given back is closed, not kept idle');
    assert.equal(idleCalls, 0);
    b.release();
    assert.equal(p.busy, 0);
    assert.equal(idleCalls, 1, 'the last one given back: nothing held any more');
  });

  it('a waiting lease served after the device started leaving hears GoAway as soon as it is bound', async () => {
    const { p } = pool(1);
    const a = (await p.lease(1)) as DeviceChannel;
    a.bind(events());
    const waiting = p.lease(1);
    p.onIdle = () => undefined;
    p.closeIdle();
    a.release(); // goes to the waiting lease, not closed
    const b = await waiting;
    const eb = events();
    b.bind(eb);
    assert.equal(eb.goAways, 1);
  });
});

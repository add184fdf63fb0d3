import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { decodeFrames, decodePacket, FrameType } from './link.frame';
import { LinkWriter } from './link.writer';

/** The call's side: records each message written; `full` makes write() report back-pressure. */
class Call extends EventEmitter {
  messages: Buffer[] = [];
  full = false;
  destroyed = false;
  writableEnded = false;
  write(msg: Buffer): boolean {
    this.messages.push(Buffer.from(msg));
    return !this.full;
  }
  /** Each message's frames as `id:payload length`. */
  frames(): string[][] {
    return this.messages.map((m) => {
      const out: string[] = [];
      decodeFrames(decodePacket(m), (_t, id, p) => out.push(`${id}:${p.length}`));
      return out;
    });
  }
}

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

function writer(): { call: Call; w: LinkWriter } {
  const call = new Call();
  return { call, w: new LinkWriter(call as unknown as Writable) };
}

describe('LinkWriter', () => {
  it('sends the small frames of one turn together in one message, in order', async () => {
    const { call, w } = writer();
    w.push(FrameType.Data, 1, bytes(100));
    w.push(FrameType.Window, 2, bytes(4));
    w.push(FrameType.Release, 3);
    assert.equal(call.messages.length, 0, 'waits for the end of the turn');
    await turn();
    assert.deepEqual(call.frames(), [['1:100', '2:4', '3:0']]);
  });

  it('once 64 KiB wait, writes at once, in messages of at most 64 KiB of whole frames', async () => {
    const { call, w } = writer();
    w.push(FrameType.Data, 1, bytes(30_000));
    w.push(FrameType.Data, 2, bytes(30_000));
    assert.equal(call.messages.length, 0);
    w.push(FrameType.Data, 3, bytes(30_000));
    assert.deepEqual(call.frames(), [['1:30000', '2:30000'], ['3:30000']]);
    await turn();
    assert.equal(call.messages.length, 2, 'nothing was left for the end of the turn');
  });

  it('a 32 KiB frame shares its message with the small frames of its turn, in order', async () => {
    const { call, w } = writer();
    w.push(FrameType.Data, 1, bytes(10));
    w.push(FrameType.Data, 2, bytes(32 * 1024, 7));
    w.push(FrameType.Data, 3, bytes(10));
    await turn();
    assert.deepEqual(call.frames(), [['1:10', '2:32768', '3:10']]);
    decodeFrames(decodePacket(call.messages[0]), (_t, id, p) => assert.ok(id !== 2 || p.every((b) => b === 7)));
  });

  it('a frame larger than a message travels alone', async () => {
    const { call, w } = writer();
    w.push(FrameType.Data, 1, bytes(100_000));
    assert.deepEqual(call.frames(), [['1:100000']]);
    await turn();
    assert.equal(call.messages.length, 1);
  });

  it('holds every message while the call is full and sends them in order on drain', async () => {
    const { call, w } = writer();
    call.full = true;
    w.push(FrameType.Data, 1, bytes(40_000));
    w.push(FrameType.Data, 2, bytes(40_000));
    assert.equal(call.messages.length, 1, 'the first write reports the call full');
    w.push(FrameType.Data, 3, bytes(5));
    await turn();
    assert.equal(call.messages.length, 1, 'nothing more while full');
    call.full = false;
    call.emit('drain');
    assert.deepEqual(call.frames(), [['1:40000'], ['2:40000', '3:5']]);
  });

  it('writes nothing to a call that has ended', async () => {
    const { call, w } = writer();
    call.writableEnded = true;
    w.push(FrameType.Data, 1, bytes(10));
    w.push(FrameType.Data, 2, bytes(50_000));
    await turn();
    assert.equal(call.messages.length, 0);
  });
});

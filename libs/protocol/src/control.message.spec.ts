import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentMessage, ControlDecoder, HelloMessage, encodeControl, isHello } from './control.message';

const hello: HelloMessage = { type: 'hello', id: '1.00408c123456', protocolVersion: 2, maxConn: 4, servers: ['a:1'], firmware: 'x' };

describe('control channel framing', () => {
  it('decodes messages split across chunks and several in one chunk', () => {
    const d = new ControlDecoder<AgentMessage>();
    const wire = encodeControl(hello) + encodeControl({ type: 'result', command: 'restart', ok: true });
    assert.deepEqual(d.push(wire.slice(0, 7)), []);
    const out = d.push(wire.slice(7));
    assert.equal(out.length, 2);
    assert.equal(out[0].type, 'hello');
    assert.equal(out[1].type, 'result');
  });
  it('refuses a line longer than the limit instead of buffering it', () => {
    const d = new ControlDecoder(1024);
    assert.throws(() => d.push('x'.repeat(2048)), /longer than 1024/);
  });
  it('refuses JSON without a type', () => {
    assert.throws(() => new ControlDecoder().push('{"id":1}\n'), /without type/);
  });
});

describe('isHello', () => {
  it('requires the id to carry the certificate MAC and a positive maxConn', () => {
    assert.equal(isHello(hello, '00408c123456'), true);
    assert.equal(isHello(hello, '00408c999999'), false);
    assert.equal(isHello({ ...hello, maxConn: 0 } as HelloMessage, '00408c123456'), false);
    assert.equal(isHello({ ...hello, servers: 'a:1' as unknown as string[] } as HelloMessage, '00408c123456'), false);
  });

  it('accepts an optional string oak (a factory device to a dispatcher) and nothing else in its place', () => {
    assert.equal(isHello({ ...hello, oak: '5A8A-26D0-52AC' } as HelloMessage, '00408c123456'), true);
    assert.equal(isHello({ ...hello, oak: 42 as unknown as string } as HelloMessage, '00408c123456'), false);
  });
});

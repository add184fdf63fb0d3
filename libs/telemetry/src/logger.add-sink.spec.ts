import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LEVELS } from './log-level';
import { Logger } from './logger';

describe('Logger.addSink: a sink with its own level (the debug stream)', () => {
  it('gets records up to its level while the other sinks keep loglevel, and stops when removed', () => {
    const main: string[] = [];
    const tap: string[] = [];
    const log = new Logger({ level: LOG_LEVELS.warning, sinks: [(_l, r) => main.push(r.message)] }).child('c');
    assert.equal(log.enabled('debug'), false);
    const remove = log.addSink((_l, r) => tap.push(r.message), LOG_LEVELS.debug);
    assert.equal(log.enabled('debug'), true);
    log.debug('d');
    log.warn('w');
    assert.deepEqual(main, ['w']);
    assert.deepEqual(tap, ['d', 'w']);
    remove();
    assert.equal(log.enabled('debug'), false, 'no debug records are built once the sink is gone');
    log.debug('d2');
    assert.deepEqual(tap, ['d', 'w']);
  });
});

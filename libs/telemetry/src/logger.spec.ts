import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LEVELS } from './log-level';
import { Logger, formatLogTime } from './logger';

describe('O3C log lines', () => {
  it('formats local time with microseconds', () => {
    const t = new Date(2022, 11, 16, 13, 37, 1, 250).getTime();
    assert.equal(formatLogTime(t), '2022-12-16 13:37:01.250000');
    assert.equal(formatLogTime(t + 0.123456), '2022-12-16 13:37:01.250123', 'the fraction of a millisecond gives the microseconds');
  });
  it('stamps lines with real microseconds by default', () => {
    const lines: string[] = [];
    const log = new Logger({ sinks: [(l) => lines.push(l)] });
    for (let i = 0; i < 20; i++) log.notice('tick');
    const micros = new Set(lines.map((l) => l.slice(21, 27)));
    assert.ok([...micros].some((m) => !m.endsWith('000')), `microseconds vary: ${[...micros].join(' ')}`);
  });
  it('gives an added sink its own level and removes it on demand', () => {
    const outputs: string[] = [];
    const stream: string[] = [];
    const log = new Logger({ level: LOG_LEVELS.warning, sinks: [(l) => outputs.push(l)] });
    assert.equal(log.enabled('debug'), false);
    const remove = log.addSink((l) => stream.push(l), LOG_LEVELS.debug);
    assert.equal(log.enabled('debug'), true, 'debug strings are worth building while the stream wants them');
    log.debug('d');
    log.warn('w');
    remove();
    log.debug('gone');
    assert.equal(log.enabled('debug'), false);
    assert.equal(stream.length, 2);
    assert.equal(outputs.length, 1, 'the outputs keep loglevel');
    const follow: string[] = [];
    log.addSink((l) => follow.push(l));
    log.notice('n');
    log.error('e');
    assert.equal(follow.length, 1, 'without a level it follows the logger');
  });
  it('writes [time] [level] [component] [user] [client] message and honours the level', () => {
    const lines: string[] = [];
    const log = new Logger({ level: LOG_LEVELS.notice, sinks: [(l) => lines.push(l)], now: () => new Date(2022, 11, 16, 13, 37, 1).getTime() });
    const edge = log.child('edge');
    edge.debug('hidden');
    edge.notice('accepted', { client: '1.00408c123456@127.0.0.1:2', user: '3a1@127.0.0.1:3' });
    edge.error('boom');
    assert.deepEqual(lines, [
      '[2022-12-16 13:37:01.000000] [notice] [edge] [user 3a1@127.0.0.1:3] [client 1.00408c123456@127.0.0.1:2] accepted',
      '[2022-12-16 13:37:01.000000] [error] [edge] boom',
    ]);
    log.setLevel(LOG_LEVELS.debug);
    edge.debug('shown');
    assert.equal(lines.length, 3, 'children share the level');
  });
});

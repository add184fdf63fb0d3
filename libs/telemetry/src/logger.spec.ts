import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LEVELS } from './log-level';
import { Logger, formatLogTime } from './logger';

describe('O3C log lines', () => {
  it('formats local time with microseconds', () => {
    const t = new Date(2022, 11, 16, 13, 37, 1, 250).getTime();
    assert.equal(formatLogTime(t), '2022-12-16 13:37:01.250000');
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

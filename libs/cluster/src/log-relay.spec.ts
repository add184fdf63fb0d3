import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LEVELS, Logger, LogRecord, formatLogLine } from '@tether/telemetry';
import { DebugListener } from './debug-listener';
import { fakeClock } from '@tether/testing';
import { LogRelay, clientMatches } from './log-relay';
import { MemoryClusterBus } from './memory-cluster-bus';

const settle = () => new Promise((r) => setTimeout(r, 10));

function setup() {
  const clock = fakeClock();
  const bus = new MemoryClusterBus(clock.now);
  const local: string[] = [];
  const logger = new Logger({ level: LOG_LEVELS.notice, sinks: [(line) => local.push(line)], now: () => 0 });
  const relay = new LogRelay(bus, logger, clock);
  return { clock, bus, logger, relay, local };
}

const rec = (client?: string): LogRecord => ({ time: 0, level: 'debug', component: 'x', message: 'm', ctx: client ? { client } : {} });

describe('debug stream: LogRelay and DebugListener', () => {
  it('matches the client filter on the whole connection id', () => {
    assert.equal(clientMatches(rec('1.00408c000001@127.0.0.1:5'), '1.00408c000001'), true);
    assert.equal(clientMatches(rec('11.00408c000001@127.0.0.1:5'), '1.00408c000001'), false);
    assert.equal(clientMatches(rec('1.00408c0000011@x'), '1.00408c000001'), false);
    assert.equal(clientMatches(rec(), '1.00408c000001'), false);
    assert.equal(clientMatches(rec(), ''), true);
  });

  it('relays nothing and builds no debug records until someone listens', async () => {
    const { logger, relay } = setup();
    await relay.start();
    assert.equal(relay.active, false);
    assert.equal(logger.enabled('debug'), false, 'the hot path still skips debug lines');
    await relay.stop();
  });

  it('streams records up to the wanted level, filtered by client, without changing the other sinks', async () => {
    const { clock, bus, logger, relay, local } = setup();
    await relay.start();
    const got: string[] = [];
    const listener = new DebugListener({ bus, clock, level: LOG_LEVELS.debug, client: '1.00408c000001', onRecord: (r) => got.push(formatLogLine(r)) });
    await listener.start();
    await settle();
    assert.equal(relay.active, true);
    assert.equal(logger.enabled('debug'), true);
    const log = logger.child('edge');
    log.debug('for the device', { client: '1.00408c000001@10.0.0.1:2' });
    log.debug('another device', { client: '1.00408c000002@10.0.0.1:3' });
    log.notice('no client');
    await settle();
    assert.equal(got.length, 1, got.join('\n'));
    assert.match(got[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[debug\] \[edge\] \[client 1\.00408c000001@10\.0\.0\.1:2\] for the device$/);
    assert.deepEqual(local.map((l) => l.replace(/^\[[^\]]+\] /, '')), ['[notice] [edge] no client'], 'loglevel still governs the file/stderr sink');
    await listener.stop();
    await settle();
    assert.equal(relay.active, false, 'the wish was withdrawn at once');
    assert.equal(logger.enabled('debug'), false);
    assert.equal(bus.subscriptions('debug:log'), 0, 'the stream left no subscription');
    await relay.stop();
  });

  it('stops relaying when the announcements lapse (a control that died)', async () => {
    const { clock, bus, logger, relay } = setup();
    await relay.start();
    await bus.publish('debug:listen', { listener: 'gone', level: 2, client: '', ttlMs: 6000 });
    await settle();
    assert.equal(relay.active, true);
    assert.equal(logger.enabled('warning'), true);
    assert.equal(logger.enabled('debug'), false, 'only up to the wanted level');
    clock.tick(5000);
    assert.equal(relay.active, true);
    clock.tick(2000);
    assert.equal(relay.active, false);
    assert.equal(clock.pending(), 0, 'no timer left behind');
    await relay.stop();
  });

  it('level 1 streams errors only', async () => {
    const { clock, bus, logger, relay } = setup();
    await relay.start();
    const got: string[] = [];
    const listener = new DebugListener({ bus, clock, level: LOG_LEVELS.error, client: '', onRecord: (r) => got.push(r.level) });
    await listener.start();
    await settle();
    logger.error('bad');
    logger.warn('meh');
    logger.notice('fine');
    await settle();
    assert.deepEqual(got, ['error']);
    await listener.stop();
    await relay.stop();
  });
});

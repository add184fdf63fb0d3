import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigHolder, parseConfig } from '@tether/config';
import { LogRelay, MemoryClusterBus } from '@tether/cluster';
import { LOG_LEVELS, Logger, systemClock } from '@tether/telemetry';
import type { ControlDeps } from '../control.deps';
import { DebugCgi } from './debug.cgi';

const wait = async (cond: () => boolean, what: string, ms = 3000) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('debug.cgi: a log stream that ends with its caller', () => {
  const bus = new MemoryClusterBus();
  // The "edge" process's logger (its own loglevel: notice) and relay.
  const edgeLog = new Logger({ level: LOG_LEVELS.notice, sinks: [] });
  const relay = new LogRelay(bus, edgeLog, systemClock);
  const config = parseConfig('loglevel = 2\n', 'c.conf', { env: {} });
  const cgi = new DebugCgi({ config, live: new ConfigHolder(config), bus, clock: systemClock, logger: edgeLog } as unknown as ControlDeps);
  let server: http.Server;
  let port = 0;

  before(async () => {
    await relay.start();
    server = http.createServer((req, res) => void cgi.handle(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await relay.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  function open(query: string): Promise<{ res: http.IncomingMessage; lines: string[]; req: http.ClientRequest; ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${port}/admin/debug.cgi${query}`, (res) => {
        const lines: string[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          buf += s;
          const parts = buf.split('\n');
          buf = parts.pop()!;
          lines.push(...parts);
        });
        res.on('error', () => undefined);
        const ended = new Promise<void>((r) => res.once('end', () => r()));
        resolve({ res, lines, req, ended });
      });
      req.on('error', reject);
    });
  }

  it('streams lines filtered by level and client, then unsubscribes when the caller goes away', async () => {
    const s = await open('?level=4&client=3.00408c0000aa');
    assert.equal(s.res.statusCode, 200);
    assert.match(String(s.res.headers['content-type']), /^text\/plain/);
    assert.equal(s.res.headers['transfer-encoding'], 'chunked');
    await wait(() => relay.active, 'the relay to start');
    assert.equal(edgeLog.enabled('debug'), true, 'level 4 asked: debug records are built');
    const log = edgeLog.child('edge');
    log.debug('wanted', { client: '3.00408c0000aa@10.0.0.1:5', user: 'ab12@10.0.0.2:6' });
    log.debug('other device', { client: '3.00408c0000ab@10.0.0.1:7' });
    log.notice('no device');
    await wait(() => s.lines.length >= 1, 'a line');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.lines.length, 1, s.lines.join('\n'));
    assert.match(s.lines[0], /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[debug\] \[edge\] \[user ab12@10\.0\.0\.2:6\] \[client 3\.00408c0000aa@10\.0\.0\.1:5\] wanted$/);
    assert.equal(cgi.streams, 1);
    s.req.destroy();
    await wait(() => cgi.streams === 0, 'the stream to end');
    await wait(() => !relay.active, 'the relay to stop');
    assert.equal(edgeLog.enabled('debug'), false);
    assert.equal(bus.subscriptions('debug:log'), 0, 'no subscription left');
  });

  it('defaults to the configured loglevel (2: errors and warnings)', async () => {
    const s = await open('');
    await wait(() => relay.active, 'the relay to start');
    edgeLog.notice('not at level 2');
    edgeLog.warn('a warning');
    await wait(() => s.lines.length >= 1, 'a line');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.lines.length, 1);
    assert.match(s.lines[0], /\[warning\] \[tether\] a warning$/);
    s.req.destroy();
    await wait(() => cgi.streams === 0 && !relay.active, 'the stream to end');
  });

  it('refuses a bad level with 400 in the O3C form, opening nothing', async () => {
    const s = await open('?level=7');
    await s.ended;
    assert.equal(s.res.statusCode, 400);
    assert.deepEqual(s.lines, ['Request failed. (Reason: Invalid level "7": expected 0 (nothing) to 4 (debug).)']);
    assert.equal(cgi.streams, 0);
    assert.equal(bus.subscriptions(), 1, 'only the relay is subscribed');
  });
});

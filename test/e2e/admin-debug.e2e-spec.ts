import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { TetherCluster, TetherProcess, curl, waitFor } from '@tether/testing';

/** One virtual camera on each edge. */
const MACS = ['00408c5b0001', '00408c5b0002'];
/** The reference's line format (2.4, 3.7): local time with microseconds, level, component, contexts, message. */
const LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[(error|warning|notice|debug)\] \[[^\]]+\]( \[user [^\]]+\])?( \[client [^\]]+\])? .+$/;
/** Where control subscribes to the relayed records (redis_prefix `tether:`). */
const LOG_CHANNEL = 'tether:bus:debug:log';

interface Stream {
  proc: ChildProcess;
  text(): string;
  /** The log lines (after the response head). */
  lines(): string[];
  exited: Promise<number | null>;
}

describe('admin: debug.cgi streams the log of every process (2 edges, gateway, control, Redis)', () => {
  let cluster: TetherCluster;
  let admin = '';
  let redis: Redis;
  const agents: TetherProcess[] = [];
  const streams: Stream[] = [];

  const open = (query: string): Stream => {
    const proc = spawn('curl', ['--silent', '-N', '-i', `${admin}/admin/debug.cgi${query}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const s: Stream = {
      proc,
      text: () => out,
      lines: () => {
        const body = out.split('\r\n\r\n').slice(1).join('\r\n\r\n');
        return body.split('\n').filter((l, i, all) => l || i < all.length - 1);
      },
      exited,
    };
    streams.push(s);
    return s;
  };
  const subscribers = async () => Number(((await redis.pubsub('NUMSUB', LOG_CHANNEL)) as [string, number])[1]);
  const get = async (mac: string) => {
    const r = await curl(['-x', cluster.proxy, '-u', 'root:pass', '--fail', `http://${mac}/axis-cgi/param.cgi?action=list&group=root.Brand`]);
    assert.equal(r.code, 0, r.stderr);
  };
  /** Traffic to both devices until `done` holds (the first announcement may take a moment to reach the relays). */
  const trafficUntil = (done: () => boolean, what: string) =>
    waitFor(async () => {
      await get(MACS[0]);
      await get(MACS[1]);
      return done();
    }, 15_000, what);
  const stop = async (s: Stream) => {
    s.proc.kill('SIGTERM');
    await s.exited;
  };

  before(async () => {
    // loglevel 3 everywhere: debug lines exist only while a stream asks for them.
    cluster = await TetherCluster.start({ edges: 2, edgeConfig: { loglevel: 3 }, gatewayConfig: { loglevel: 3 } });
    admin = `http://127.0.0.1:${await cluster.startControl({ loglevel: 3 })}`;
    for (const [i, mac] of MACS.entries())
      agents.push(await cluster.agent(['--servers', cluster.servers([i]), '--cert', await cluster.pki.deviceCert(mac), '--simulate']));
    redis = new Redis(cluster.redis.url);
  });
  after(async () => {
    for (const s of streams) s.proc.kill('SIGKILL');
    redis?.disconnect();
    await cluster?.stop();
  });

  it('level=4&client=<count.mac>: debug lines of that device only, from its edge and the gateway, in the reference format, chunked text', async () => {
    const s = open(`?level=4&client=1.${MACS[0]}`);
    await waitFor(async () => (await subscribers()) === 1, 5000, 'control to subscribe');
    const wanted = new RegExp(`^\\[[^\\]]+\\] \\[debug\\] \\[[^\\]]+\\] \\[client 1\\.${MACS[0]}@127\\.0\\.0\\.1:\\d+\\] `);
    // The gateway's line names the user request and the device connection, as the reference's example does.
    const fromGateway = new RegExp(`\\[user [0-9a-f]{32}@127\\.0\\.0\\.1:\\d+\\] \\[client 1\\.${MACS[0]}@[^\\]]+\\] Sending request to client for user request: http://${MACS[0]}/`);
    await trafficUntil(
      () => s.lines().some((l) => wanted.test(l)) && s.lines().some((l) => fromGateway.test(l)),
      'debug lines of the device from its edge and from the gateway',
    );
    const [head] = s.text().split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.match(head, /\r\nContent-Type: text\/plain/i);
    assert.match(head, /\r\nTransfer-Encoding: chunked/i);
    for (const l of s.lines()) {
      assert.match(l, LINE);
      assert.ok(l.includes(`[client 1.${MACS[0]}@`), `only the device asked for: ${l}`);
    }
    assert.ok(!s.text().includes(MACS[1]), 'nothing about the other device');
    for (const e of cluster.edges) assert.ok(!/\[debug\]/.test(e.proc.output), 'the edges still log at their loglevel (3)');
    await stop(s);
  });

  it('no client: lines from both edges and from the gateway', async () => {
    const s = open('?level=4');
    await waitFor(async () => (await subscribers()) === 1, 5000, 'control to subscribe');
    const has = (re: RegExp) => s.lines().some((l) => re.test(l));
    const edgeLine = (mac: string) => new RegExp(`\\[debug\\] .*\\[client 1\\.${mac}@`);
    const gatewayLine = (mac: string) => new RegExp(`\\[debug\\] .*Request URL: http://${mac}/axis-cgi/param\\.cgi`);
    await trafficUntil(
      () => has(edgeLine(MACS[0])) && has(edgeLine(MACS[1])) && has(gatewayLine(MACS[0])) && has(gatewayLine(MACS[1])),
      'lines from edge-0, edge-1 and the gateway',
    );
    for (const l of s.lines()) assert.match(l, LINE);
    await stop(s);
  });

  it('ends cleanly when the caller goes away: control unsubscribes and the processes stop publishing', async () => {
    const s = open('?level=4');
    await waitFor(async () => (await subscribers()) === 1, 5000, 'control to subscribe');
    await trafficUntil(() => s.lines().length > 0, 'a line');
    await stop(s);
    await waitFor(async () => (await subscribers()) === 0, 5000, 'control to unsubscribe');
    // Listen ourselves (without announcing): nothing may be published any more.
    const spy = new Redis(cluster.redis.url);
    const seen: string[] = [];
    spy.on('message', (_c: string, m: string) => seen.push(m));
    await spy.subscribe(LOG_CHANNEL);
    for (let i = 0; i < 3; i++) await get(MACS[i % 2]);
    await new Promise((r) => setTimeout(r, 300));
    spy.disconnect();
    assert.deepEqual(seen, [], 'no process relays once the stream is gone');
    assert.ok(cluster.control!.running);
  });

  it('refuses an invalid level with 400 in the O3C form', async () => {
    for (const bad of ['5', 'x']) {
      const r = await curl(['-i', `${admin}/admin/debug.cgi?level=${bad}`]);
      const text = r.stdout.toString();
      assert.match(text, /^HTTP\/1\.1 400/);
      assert.ok(text.endsWith(`\r\n\r\nRequest failed. (Reason: Invalid level "${bad}": expected 0 (nothing) to 4 (debug).)\n`), text);
    }
    const r = await curl(['-i', `${admin}/admin/debug.cgi?client=00408c5b0001`]);
    assert.match(r.stdout.toString(), /^HTTP\/1\.1 400[^]*Reason: Invalid client "00408c5b0001"/);
  });

  it('level=3 (notice) with a client: its notices (a disconnect) but none of its debug lines', async () => {
    const s = open(`?level=3&client=1.${MACS[0]}`);
    await waitFor(async () => (await subscribers()) === 1, 5000, 'control to subscribe');
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) await get(MACS[0]);
    await agents[0].stop();
    await waitFor(() => s.lines().some((l) => /\[notice\] .*\[client 1\.00408c5b0001@[^\]]+\] disconnected/.test(l)), 10_000, 'the disconnect notice');
    for (const l of s.lines()) {
      assert.match(l, LINE);
      assert.ok(!l.includes('[debug]'), l);
    }
    await stop(s);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import Redis from 'ioredis';
import { OriginServer, SLOW_BYTES, TetherCluster, literal, patternBytes, viaProxy } from '@tether/testing';

const DEVICES = 20;
const FIRST = '00408c5d0000';
const DEADLINE_S = 15;
const SLOW_MS = 1500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const macOf = (i: number) => (parseInt(FIRST, 16) + i).toString(16).padStart(12, '0');

interface Outcome {
  start: number;
  end: number;
  what: string;
  ok: boolean;
  detail: string;
}

describe('drain: an edge that gets SIGTERM moves its devices without failing a request', () => {
  let cluster: TetherCluster;
  let origin: OriginServer;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 3, edgeConfig: { drain_rate: 20, drain_deadline: DEADLINE_S } });
    origin = await OriginServer.start({ label: 'camera' });
  });
  after(async () => {
    await cluster?.stop();
    await origin?.close();
  });

  it('under request load (fast and slow GETs, POSTs with a body, fresh and kept-alive connections): every request started after SIGTERM succeeds, the edge exits within the deadline, presence names only edges 1 and 2', async () => {
    const agent = await cluster.agent(
      ['--servers', cluster.servers([0, 1, 2]), '--count', String(DEVICES), '--mac', FIRST, '--issue-from', cluster.pki.dispatcherDir, '--target', origin.url],
      DEVICES,
    );
    // The first server of every list: all on edge 0.
    assert.equal(agent.count(literal(`connected to 127.0.0.1:${cluster.edges[0].clientPort} `)), DEVICES, agent.output);

    const outcomes: Outcome[] = [];
    let running = true;
    const kept = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const fresh = new http.Agent({ keepAlive: false });
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const mac = macOf((w * 7 + n) % DEVICES);
        const slow = w % 3 === 0;
        // A POST that meets its device's move follows it with its body, as a GET does.
        const body = w % 3 === 2 ? Buffer.from(`body ${w}.${n} `.repeat(200)) : undefined;
        const path = slow ? `/slow/${SLOW_MS}` : body ? `/echo?w=${w}&n=${n}` : `/whoami?w=${w}&n=${n}`;
        const start = Date.now();
        let ok = false;
        let detail = '';
        try {
          const r = await viaProxy(cluster.userPort, `http://${mac}${path}`, {
            agent: w % 2 ? kept : fresh,
            timeoutMs: 30_000,
            ...(body ? { method: 'POST', body } : {}),
          });
          const want = slow ? patternBytes(SLOW_BYTES) : (body ?? Buffer.from(`camera ${path}`));
          ok = r.status === 200 && r.body.equals(want);
          detail = ok ? '' : `${r.status} ${r.body.subarray(0, 200).toString()}`;
        } catch (err) {
          detail = (err as Error).message;
        }
        outcomes.push({ start, end: Date.now(), what: `${mac}${path}`, ok, detail });
      }
    };
    const workers = Array.from({ length: 9 }, (_, w) => worker(w));
    try {
      await sleep(1500);
      const before = outcomes.filter((o) => o.ok).length;
      assert.ok(before > 10, `the load runs before the drain (${before} requests)`);

      const edge0 = cluster.edges[0].proc;
      const sigAt = Date.now();
      process.kill(edge0.pid as number, 'SIGTERM');
      const exit = await Promise.race([edge0.exited, sleep((DEADLINE_S + 10) * 1000).then(() => 'still running')]);
      const exitMs = Date.now() - sigAt;
      assert.equal(exit, 0, `edge 0 exited by itself:\n${edge0.output.slice(-3000)}`);
      assert.ok(exitMs < (DEADLINE_S + 3) * 1000, `exited ${exitMs} ms after SIGTERM`);
      await sleep(1500); // the load goes on against edges 1 and 2
      running = false;
      await Promise.all(workers);

      const after = outcomes.filter((o) => o.start >= sigAt);
      const failed = after.filter((o) => !o.ok);
      assert.deepEqual(failed, [], `${failed.length} of ${after.length} requests started after SIGTERM failed`);
      assert.ok(after.length > 50, `requests ran during and after the drain (${after.length})`);
      assert.ok(after.some((o) => o.what.includes('/slow/') && o.end - o.start >= SLOW_MS), 'slow requests were in flight');
      assert.ok(after.filter((o) => o.what.includes('/echo')).length > 20, 'POSTs ran during and after the drain');
      assert.match(edge0.output, /draining 20 device\(s\) to edge-[12], edge-[12] at 20\/s/);
      assert.match(edge0.output, /drained in [\d.]+ s: 20 redirected, 0 reconnected, 0 still connected at the deadline/);
      // Every device took its redirect (the agent moves make-before-break).
      assert.equal(agent.count(/redirected to 127\.0\.0\.1:/), DEVICES, agent.output.slice(-3000));

      const redis = new Redis(cluster.redis.url);
      try {
        assert.equal(await redis.exists('tether:edge:edge-0'), 0, 'edge 0 withdrew its liveness');
        const where = new Map<string, string>();
        for (let i = 0; i < DEVICES; i++) where.set(macOf(i), (await redis.hget(`tether:dev:${macOf(i)}`, 'edge')) ?? 'none');
        const wrong = [...where].filter(([, e]) => e !== 'edge-1' && e !== 'edge-2');
        assert.deepEqual(wrong, [], 'every device on edge 1 or 2 in presence');
        const counts = [1, 2].map((e) => [...where.values()].filter((x) => x === `edge-${e}`).length);
        assert.ok(counts.every((c) => c >= DEVICES / 2 - 3), `spread over edges 1 and 2: ${counts}`);
      } finally {
        redis.disconnect();
      }
    } finally {
      running = false;
      await Promise.allSettled(workers);
      kept.destroy();
      fresh.destroy();
      await agent.stop();
    }
  });
});

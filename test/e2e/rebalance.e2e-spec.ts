import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import Redis from 'ioredis';
import { TetherCluster, TetherProcess, literal, viaProxy } from '@tether/testing';

const DEVICES = 200;
const FIRST = '00408c6e0000';
const RATE = 50;
const BASIC = `Basic ${Buffer.from('root:pass').toString('base64')}`;
const macOf = (i: number) => (parseInt(FIRST, 16) + i).toString(16).padStart(12, '0');

/** GET on control's admin listener: status and body. */
function admin(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('rebalance: tether rebalance moves 200 devices from one edge to three', () => {
  let cluster: TetherCluster;
  let adminPort: number;

  before(async () => {
    cluster = await TetherCluster.start({ edges: 3 });
    adminPort = await cluster.startControl();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('each edge ends with about a third, staggered at the rate, with progress and a summary; the devices answer through the gateway', async () => {
    // Every list is [edge 0, edge 1, edge 2]: all devices connect to edge 0, the first that answers.
    const agent = await cluster.agent(
      ['--servers', cluster.servers([0, 1, 2]), '--count', String(DEVICES), '--mac', FIRST, '--issue-from', cluster.pki.dispatcherDir, '--simulate'],
      DEVICES,
    );
    try {
      assert.equal(agent.count(literal(`connected to 127.0.0.1:${cluster.edges[0].clientPort} `)), DEVICES);

      const dry = new TetherProcess(['rebalance', '--admin', `http://127.0.0.1:${adminPort}`, '--dry-run']);
      assert.equal(await dry.exited, 0, dry.output);
      assert.match(dry.output, /^rebalance: 200 device\(s\) on 3 edge\(s\): edge-0 200, edge-1 0, edge-2 0$/m);
      assert.match(dry.output, /^dry run: 133 move\(s\) planned, none made$/m);

      // Requests keep going while devices move (the old connection finishes what it carries, the gateway
      // follows the device): none may fail.
      let loading = true;
      const failures: string[] = [];
      let served = 0;
      const load = Array.from({ length: 4 }, async (_, w) => {
        const kept = new http.Agent({ keepAlive: w % 2 === 1, maxSockets: 2 });
        for (let n = 0; loading; n++) {
          const mac = macOf((w * 53 + n * 7) % DEVICES);
          try {
            const r = await viaProxy(cluster.userPort, `http://${mac}/axis-cgi/param.cgi?action=list&group=root.Properties.System.SerialNumber`, {
              headers: { Authorization: BASIC },
              agent: kept,
              timeoutMs: 20_000,
            });
            if (r.status === 200 && r.body.toString() === `root.Properties.System.SerialNumber=${mac.toUpperCase()}\n`) served++;
            else failures.push(`${mac}: ${r.status} ${r.body.toString().slice(0, 200)}`);
          } catch (err) {
            failures.push(`${mac}: ${(err as Error).message}`);
          }
        }
        kept.destroy();
      });

      const started = Date.now();
      const cmd = new TetherProcess(['rebalance', '--admin', `http://127.0.0.1:${adminPort}`, '--rate', String(RATE)]);
      await cmd.waitForOutput(/^plan: /m);
      // One at a time: a second rebalance while this one runs is refused.
      const second = await admin(adminPort, '/admin/rebalance.cgi?rate=10');
      assert.equal(second.status, 409);
      assert.equal(second.body, 'Request failed. (Reason: A rebalance is already running; wait for its summary.)\n');
      assert.equal(await cmd.exited, 0, cmd.output);
      const took = Date.now() - started;
      loading = false;
      await Promise.all(load);
      assert.deepEqual(failures, [], `${failures.length} requests failed during the rebalance (${served} served)`);
      assert.ok(served > 20, `requests ran during the rebalance (${served})`);

      assert.match(cmd.output, /^plan: 133 move\(s\) at 50\/s \(about 2\.7 s\), ending with edge-0 67, edge-1 67, edge-2 66$/m);
      const moves = [...cmd.output.matchAll(/^\+(\d+\.\d+)s moved (\w{12}) edge-0 -> (edge-[12]) /gm)].map((m) => ({ at: Number(m[1]), mac: m[2], to: m[3] }));
      assert.equal(moves.length, 133, cmd.output);
      // The stagger: move i is issued no sooner than i / rate seconds after the first.
      const at = moves.map((m) => m.at).sort((a, b) => a - b);
      at.forEach((t, i) => assert.ok(t >= i / RATE - 0.005, `move ${i} at ${t} s`));
      assert.ok(at[at.length - 1] >= (moves.length - 1) / RATE - 0.005, `spread over ${at[at.length - 1]} s`);
      assert.ok(took >= ((moves.length - 1) / RATE) * 1000, `took ${took} ms`);
      assert.match(cmd.output, /^done in [\d.]+ s: moved 133, stayed 0, failed 0; 133 of 133 moved device\(s\) seen on their target$/m);

      // Presence: about a third each (within 10 %).
      const redis = new Redis(cluster.redis.url);
      const where = new Map<string, string>();
      try {
        for (let i = 0; i < DEVICES; i++) where.set(macOf(i), (await redis.hget(`tether:dev:${macOf(i)}`, 'edge')) ?? 'none');
      } finally {
        redis.disconnect();
      }
      const counts = [0, 1, 2].map((e) => [...where.values()].filter((x) => x === `edge-${e}`).length);
      assert.equal(counts.reduce((a, b) => a + b, 0), DEVICES, `every device held: ${counts}`);
      for (const c of counts) assert.ok(Math.abs(c - DEVICES / 3) <= DEVICES / 30, `about a third each: ${counts}`);
      // The agent moved each device once, to where the plan sent it.
      assert.equal(agent.count(/redirected to /), 133);

      // A sample answers through the gateway: moved ones and one that stayed.
      const sample = [...moves.slice(0, 8).map((m) => m.mac), ...[...where].filter(([, e]) => e === 'edge-0').slice(0, 2).map(([m]) => m)];
      for (const mac of sample) {
        const r = await viaProxy(cluster.userPort, `http://${mac}/axis-cgi/param.cgi?action=list&group=root.Properties.System.SerialNumber`, {
          headers: { Authorization: BASIC },
          timeoutMs: 5000,
        });
        assert.equal(r.status, 200, `${mac}: ${r.body.toString()}`);
        assert.equal(r.body.toString(), `root.Properties.System.SerialNumber=${mac.toUpperCase()}\n`);
      }

      // Balanced now: a second rebalance has nothing to move.
      const again = await admin(adminPort, '/admin/rebalance.cgi');
      assert.equal(again.status, 200);
      assert.match(again.body, /^plan: 0 move\(s\)/m);
    } finally {
      await agent.stop();
    }
  });
});

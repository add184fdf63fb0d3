import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import Redis from 'ioredis';
import { TetherCluster, TetherProcess, freePort, literal, viaProxy } from '@tether/testing';

const DEVICES = 90;
const FIRST = '00408c7e0000';
const RATE = 50;
const BASIC = `Basic ${Buffer.from('root:pass').toString('base64')}`;
const macOf = (i: number) => (parseInt(FIRST, 16) + i).toString(16).padStart(12, '0');

/**
 * The test's stand-in for a Kubernetes LoadBalancer Service: a TCP proxy in front of every edge's
 * listen_client. Until `spread()` every connection goes to the first backend (all devices on edge 0),
 * then new connections take the backends in turn.
 */
class RoundRobinProxy {
  private next = 0;
  private spreading = false;
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    private readonly backends: number[],
  ) {}

  static async start(port: number, backends: number[]): Promise<RoundRobinProxy> {
    const server = net.createServer();
    const proxy = new RoundRobinProxy(server, backends);
    server.on('connection', (down) => proxy.relay(down));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  spread(): void {
    this.spreading = true;
  }

  private relay(down: net.Socket): void {
    const port = this.spreading ? this.backends[this.next++ % this.backends.length] : this.backends[0];
    const up = net.connect(port, '127.0.0.1');
    for (const s of [down, up]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    down.pipe(up);
    up.pipe(down);
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

describe('rebalance: three edges behind one shared device address (the Kubernetes default)', () => {
  let cluster: TetherCluster;
  let lb: RoundRobinProxy;
  let lbPort: number;
  let adminPort: number;

  before(async () => {
    lbPort = await freePort();
    cluster = await TetherCluster.start({ edges: 3, edgeConfig: { client_advertise: `127.0.0.1:${lbPort}` } });
    lb = await RoundRobinProxy.start(
      lbPort,
      cluster.edges.map((e) => e.clientPort),
    );
    adminPort = await cluster.startControl();
  });
  after(async () => {
    await lb?.stop();
    await cluster?.stop();
  });

  it('reconnects the surplus in rounds until each edge holds about a third; no device lost; devices answer through the gateway', async () => {
    const shared = `127.0.0.1:${lbPort}`;
    const agent = await cluster.agent(
      ['--servers', shared, '--count', String(DEVICES), '--mac', FIRST, '--issue-from', cluster.pki.dispatcherDir, '--simulate'],
      DEVICES,
    );
    try {
      assert.equal(agent.count(literal(`connected to ${shared} `)), DEVICES);

      const dry = new TetherProcess(['rebalance', '--admin', `http://127.0.0.1:${adminPort}`, '--dry-run']);
      assert.equal(await dry.exited, 0, dry.output);
      assert.match(dry.output, new RegExp(`^edges edge-0, edge-1, edge-2 share the device address ${shared}: devices move between them by reconnect, in rounds$`, 'm'));
      assert.match(dry.output, /^rebalance: 90 device\(s\) on 3 edge\(s\): edge-0 90, edge-1 0, edge-2 0$/m);
      assert.equal([...dry.output.matchAll(/^would reconnect \w{12} from edge-0 /gm)].length, 60, dry.output);
      assert.match(dry.output, /^dry run: 60 move\(s\) planned, none made \(60 reconnect\(s\); later rounds depend on where they land\)$/m);

      lb.spread();
      const cmd = new TetherProcess(['rebalance', '--admin', `http://127.0.0.1:${adminPort}`, '--rate', String(RATE)]);
      assert.equal(await cmd.exited, 0, cmd.output);
      assert.match(cmd.output, /^plan: 60 move\(s\) at 50\/s \(about 1\.2 s\), ending with edge-0 30, edge-1 30, edge-2 30$/m);
      const first = [...cmd.output.matchAll(/^\+(\d+\.\d+)s round 1 reconnect (\w{12}) from edge-0 /gm)].map((m) => Number(m[1]));
      assert.equal(first.length, 60, cmd.output);
      // Staggered at the rate.
      first.sort((a, b) => a - b).forEach((t, i) => assert.ok(t >= i / RATE - 0.005, `reconnect ${i} at ${t} s`));
      assert.match(cmd.output, /^round 2: edge-0 \d+, edge-1 \d+, edge-2 \d+$/m);
      const done = cmd.output.match(/^done in [\d.]+ s: moved 0, reconnected (\d+) in (\d) round\(s\), stayed 0, failed 0; 0 of 0 moved device\(s\) seen on their target$/m);
      assert.ok(done, cmd.output);
      assert.ok(Number(done[1]) >= 60 && Number(done[2]) >= 2, cmd.output);

      // Presence: every device held, about a third each (within 20 %), once the last reconnects landed.
      const redis = new Redis(cluster.redis.url);
      let counts: number[] = [];
      try {
        const until = Date.now() + 15_000;
        for (;;) {
          const where: string[] = [];
          for (let i = 0; i < DEVICES; i++) where.push((await redis.hget(`tether:dev:${macOf(i)}`, 'edge')) ?? 'none');
          counts = [0, 1, 2].map((e) => where.filter((x) => x === `edge-${e}`).length);
          if (counts.reduce((a, b) => a + b, 0) === DEVICES || Date.now() > until) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        redis.disconnect();
      }
      assert.equal(counts.reduce((a, b) => a + b, 0), DEVICES, `every device held: ${counts}\n${cmd.output}`);
      for (const c of counts) assert.ok(Math.abs(c - DEVICES / 3) <= DEVICES / 3 / 5, `about a third each: ${counts}\n${cmd.output}`);

      // A sample answers through the gateway, wherever it landed.
      for (const i of [0, 13, 29, 44, 61, 89]) {
        const mac = macOf(i);
        const r = await viaProxy(cluster.userPort, `http://${mac}/axis-cgi/param.cgi?action=list&group=root.Properties.System.SerialNumber`, {
          headers: { Authorization: BASIC },
          timeoutMs: 5000,
        });
        assert.equal(r.status, 200, `${mac}: ${r.body.toString()}`);
        assert.equal(r.body.toString(), `root.Properties.System.SerialNumber=${mac.toUpperCase()}\n`);
      }
    } finally {
      await agent.stop();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { RedisFixture } from './redis-server.fixture';
import { TestPki } from './test-pki.fixture';
import { TetherProcess, writeConfig } from './tether-process.fixture';

export interface EdgeNode {
  id: string;
  clientPort: number;
  grpcPort: number;
  config: string;
  proc: TetherProcess;
}

/** A gateway replica started with addGateway: its own config, listen_user and listen_user_ext. */
export interface GatewayNode {
  id: string;
  proc: TetherProcess;
  userPort: number;
  /** listen_user_ext (the shortcut interface). */
  extPort: number;
}

export interface ClusterOptions {
  edges?: number;
  /** Extra configuration keys for every edge. */
  edgeConfig?: Record<string, string | number>;
  gatewayConfig?: Record<string, string | number>;
  /** Give the first gateway a listen_user_ext too (its port in `extPort`). */
  userExt?: boolean;
  /** Environment of every edge process (the benches: the allocator the image's edges run with). */
  edgeEnv?: Record<string, string>;
}

/** Real processes: a redis-server, N edges and a gateway, on ports chosen at run time. */
export class TetherCluster {
  readonly edges: EdgeNode[] = [];
  gateway!: TetherProcess;
  control?: TetherProcess;
  userPort = 0;
  /** listen_user_ext of the first gateway (0 unless `userExt`). */
  extPort = 0;
  /** Gateways beyond the first (addGateway). */
  readonly gateways: GatewayNode[] = [];
  private readonly agents: TetherProcess[] = [];

  private constructor(
    readonly pki: TestPki,
    readonly redis: RedisFixture,
    readonly dir: string,
    private readonly opts: ClusterOptions,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<TetherCluster> {
    const pki = await TestPki.create();
    const redis = await RedisFixture.start();
    const c = new TetherCluster(pki, redis, mkdtempSync(join(tmpdir(), 'tether-cluster-')), opts);
    try {
      for (let i = 0; i < (opts.edges ?? 2); i++) await c.addEdge();
      await c.startGateway();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  private async addEdge(): Promise<EdgeNode> {
    const i = this.edges.length;
    const node: EdgeNode = {
      id: `edge-${i}`,
      clientPort: await freePort(),
      grpcPort: await freePort(),
      config: '',
      proc: undefined as unknown as TetherProcess,
    };
    node.config = writeConfig(this.dir, `${node.id}.conf`, {
      stserverid: node.id,
      listen_client: `127.0.0.1:${node.clientPort}`,
      grpc_listen: `127.0.0.1:${node.grpcPort}`,
      cert_file: this.pki.serverPem,
      ca_cert_file: this.pki.dispatcherCa,
      redis_url: this.redis.url,
      presence_ttl: 6,
      keepalive: 2,
      loglevel: 4,
      ...this.opts.edgeConfig,
    });
    this.edges.push(node);
    await this.startEdge(i);
    return node;
  }

  async startEdge(i: number): Promise<void> {
    const node = this.edges[i];
    node.proc = new TetherProcess(['edge', '--config', node.config], { env: this.opts.edgeEnv });
    await node.proc.waitForOutput(/grpc_listen on/);
    await node.proc.waitForOutput(/listen_client on/);
  }

  async startGateway(): Promise<void> {
    this.userPort = await freePort();
    if (this.opts.userExt) this.extPort = await freePort();
    const config = writeConfig(this.dir, 'gateway.conf', {
      stserverid: 'gateway-0',
      listen_user: `127.0.0.1:${this.userPort}`,
      ...(this.extPort ? { listen_user_ext: `127.0.0.1:${this.extPort}` } : {}),
      redis_url: this.redis.url,
      presence_ttl: 6,
      loglevel: 4,
      ...this.opts.gatewayConfig,
    });
    this.gateway = new TetherProcess(['gateway', '--config', config]);
    await this.gateway.waitForOutput(/listen_user on/);
    if (this.extPort) await this.gateway.waitForOutput(/listen_user_ext on/);
  }

  /** Another gateway replica on the same Redis, with listen_user and listen_user_ext of its own. */
  async addGateway(extra: Record<string, string | number> = {}): Promise<GatewayNode> {
    const id = `gateway-${this.gateways.length + 1}`;
    const node: GatewayNode = { id, proc: undefined as unknown as TetherProcess, userPort: await freePort(), extPort: await freePort() };
    const config = writeConfig(this.dir, `${id}.conf`, {
      stserverid: id,
      listen_user: `127.0.0.1:${node.userPort}`,
      listen_user_ext: `127.0.0.1:${node.extPort}`,
      redis_url: this.redis.url,
      presence_ttl: 6,
      loglevel: 4,
      ...this.opts.gatewayConfig,
      ...extra,
    });
    node.proc = new TetherProcess(['gateway', '--config', config]);
    this.gateways.push(node);
    await node.proc.waitForOutput(/listen_user_ext on/);
    return node;
  }

  /** Starts `tether control` (the admin interface) against the cluster's Redis; returns its admin port. */
  async startControl(extra: Record<string, string | number> = {}): Promise<number> {
    const port = await freePort();
    const config = writeConfig(this.dir, 'control.conf', {
      stserverid: 'control-0',
      listen_admin: `127.0.0.1:${port}`,
      redis_url: this.redis.url,
      loglevel: 4,
      ...extra,
    });
    this.control = new TetherProcess(['control', '--config', config]);
    await this.control.waitForOutput(/listen_admin on/);
    return port;
  }

  /** `host:port` of the proxy, for `curl -x`. */
  get proxy(): string {
    return `127.0.0.1:${this.userPort}`;
  }

  /** The server list of every edge, in order. */
  servers(order = this.edges.map((_, i) => i)): string {
    return order.map((i) => `127.0.0.1:${this.edges[i].clientPort}`).join(',');
  }

  /** Starts `tether agent` with the cluster's provider CA; waits until `connected` lines appear when asked. */
  async agent(args: string[], waitConnected = 1): Promise<TetherProcess> {
    const p = new TetherProcess(['agent', '--ca', this.pki.providerCa, '--reconnect-jitter', '200', ...args]);
    this.agents.push(p);
    if (waitConnected) {
      const until = Date.now() + 20_000;
      while (p.count(/connected to /) < waitConnected) {
        if (!p.running || Date.now() > until)
          throw new Error(`agent did not connect ${waitConnected} device(s):\n${p.output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return p;
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.agents.map((a) => a.stop()));
    await Promise.allSettled([
      this.gateway?.stop(),
      ...this.gateways.map((g) => g.proc?.stop()),
      this.control?.stop(),
      ...this.edges.map((e) => e.proc?.stop()),
    ]);
    await this.redis.stop();
    this.pki.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

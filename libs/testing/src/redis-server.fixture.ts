import { spawn, ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from './free-port';

/** A throwaway redis-server on a free loopback port, owned by the test (so it can be killed). */
export class RedisFixture {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}

  static async start(): Promise<RedisFixture> {
    const r = new RedisFixture(await freePort());
    await r.restart();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server empty on the same port. */
  async restart(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return; // already gone (a spec may stop it first)
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }
}

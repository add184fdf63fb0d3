import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, from dist/libs/testing/src. */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
export const TETHER_BIN = join(REPO_ROOT, 'bin', 'tether.js');

/** A real `tether <command>` process; its output is kept so tests can wait for log lines. */
export class TetherProcess {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;

  constructor(
    readonly args: string[],
    opts: { cwd?: string; env?: Record<string, string> } = {},
  ) {
    this.proc = spawn(process.execPath, [TETHER_BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (b: Buffer) => (this.output += b.toString());
    this.proc.stdout!.on('data', take);
    this.proc.stderr!.on('data', take);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in the output (waiting for it if need be). */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (!this.running) throw new Error(`tether ${this.args[0]} exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} from tether ${this.args[0]}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  count(pattern: RegExp): number {
    return (this.output.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g')) ?? []).length;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Writes a `key = value` configuration file. */
export function writeConfig(dir: string, name: string, values: Record<string, string | number>): string {
  const path = join(dir, name);
  writeFileSync(path, Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  return path;
}

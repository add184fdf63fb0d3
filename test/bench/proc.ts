import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** The full path of `cmd` on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Every child the bench started and has not seen exit yet (killed on the way out). */
export const children = new Set<ChildProcess>();

/** Spawns a child that is killed by `timeoutMs` at the latest; `onSpawn` sees it while it runs. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; onSpawn?: (p: ChildProcess) => void; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    children.add(p);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, opts.timeoutMs);
    p.once('error', (err) => {
      clearTimeout(t);
      children.delete(p);
      reject(err);
    });
    p.once('close', (code, signal) => {
      clearTimeout(t);
      children.delete(p);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    opts.onSpawn?.(p);
  });
}

let clkTck = 0;
/** Clock ticks per second of /proc/<pid>/stat times. */
export function clockTicks(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a live process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based over the whole line).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

export interface Watched {
  name: string;
  /** One process, or a group (nginx master and workers) whose times are added up. */
  pid: number | undefined | number[];
}

/** utime + stime of a process or a group of processes, or undefined when one is gone. */
export function groupCpuSeconds(pid: Watched['pid']): number | undefined {
  let sum = 0;
  for (const p of Array.isArray(pid) ? pid : [pid]) {
    const s = cpuSeconds(p);
    if (s === undefined) return undefined;
    sum += s;
  }
  return sum;
}

/** The pids whose parent is `pid` (from /proc/<n>/stat). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** `pid` and all its descendants (children, their children, ...), `pid` first. */
export function descendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 1000; i++) out.push(...childPids(out[i]));
  return out;
}

/** Sends `signal` to each pid; pids already gone are skipped. */
export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** CPU time of the children this process has waited for (cutime + cstime of /proc/self/stat), in seconds. */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / clockTicks();
}

/** Busy CPU time of the whole machine, all cores (everything but idle and iowait in /proc/stat), in seconds. */
export function machineBusySeconds(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - f[3] - f[4]) / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a set of processes over a window, as % of one core. A client that runs only inside the window
 * (load generator, curl) is a child of the bench: its time is the growth of the bench's own cutime + cstime,
 * exact even for a process too short to sample.
 */
export const OTHERS = 'others';

export class CpuMeter {
  private readonly first = new Map<string, number>();
  private watched: Watched[] = [];
  private t0 = 0;
  private children0 = 0;
  private busy0: number | undefined;

  start(procs: Watched[]): void {
    this.watched = procs;
    for (const w of procs) {
      const s = groupCpuSeconds(w.pid);
      if (s !== undefined) this.first.set(w.name, s);
    }
    this.children0 = reapedChildrenCpuSeconds();
    this.busy0 = machineBusySeconds();
    this.t0 = performance.now();
  }

  /** % of one core per process name over the window; `clientName` gets the children reaped in it. */
  stop(clientName?: string): Record<string, number> {
    const wall = (performance.now() - this.t0) / 1000;
    const out: Record<string, number> = {};
    for (const w of this.watched) {
      const a = this.first.get(w.name);
      const b = groupCpuSeconds(w.pid);
      if (a !== undefined && b !== undefined && wall > 0) out[w.name] = ((b - a) / wall) * 100;
    }
    if (clientName && wall > 0) out[clientName] = ((reapedChildrenCpuSeconds() - this.children0) / wall) * 100;
    // What the rest of the machine used meanwhile (other sessions, builds): the noise of this phase.
    const busy1 = machineBusySeconds();
    if (this.busy0 !== undefined && busy1 !== undefined && wall > 0) {
      const ours = Object.values(out).reduce((a, b) => a + b, 0);
      out[OTHERS] = Math.max(0, ((busy1 - this.busy0) / wall) * 100 - ours);
    }
    return out;
  }
}

export interface MachineInfo {
  cores: number;
  memoryGiB: number;
  node: string;
  cpu: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    /* keep os.cpus() */
  }
  let cores = cpus().length;
  try {
    cores = Number(execFileSync('nproc').toString().trim()) || cores;
  } catch {
    /* keep os.cpus() */
  }
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return { cores, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, cpu, kernel };
}

/** The value after `--name` on this process's command line, or `def` when the flag is absent. */
export function argFlag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

/** `argFlag` as a number. */
export function argNumber(name: string, def: number): number {
  return Number(argFlag(name, String(def)));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds a child to `children` until it exits; resolves when it has exited. */
export function track(p: ChildProcess): Promise<void> {
  children.add(p);
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) {
      children.delete(p);
      return resolve();
    }
    p.once('exit', () => {
      children.delete(p);
      resolve();
    });
  });
}

/** SIGTERM, SIGKILL after 3 s; then SIGKILL to `leftovers` (workers or sessions of a master that had to be killed). */
export async function stopChild(p: ChildProcess, exited: Promise<void>, leftovers: number[] = []): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
  signalPids(leftovers.filter((pid) => pid !== p.pid), 'SIGKILL');
}

/** A long-running child of the bench (a server), its output kept (the last 64 KiB) for error messages. */
export class Daemon {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  private out = '';

  constructor(
    readonly name: string,
    bin: string,
    args: string[],
  ) {
    this.proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.on('error', (err) => this.add(`spawn error: ${err.message}\n`));
    this.exited = track(this.proc);
    this.proc.stdout!.on('data', (b: Buffer) => this.add(b.toString()));
    this.proc.stderr!.on('data', (b: Buffer) => this.add(b.toString()));
  }

  private add(s: string): void {
    this.out += s;
    if (this.out.length > 65536) this.out = this.out.slice(-65536);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid !== undefined;
  }

  get output(): string {
    return this.out;
  }

  /** Resolves when `ready()` holds; rejects when the daemon exits first or `timeoutMs` passes. */
  async until(ready: () => Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready(),
        this.exited.then(() => {
          throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${what}: ${this.output.trim().slice(-2000)}`);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${this.name}: no ${what} after ${timeoutMs} ms: ${this.output.trim().slice(-2000)}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(leftovers: number[] = []): Promise<void> {
    await stopChild(this.proc, this.exited, leftovers);
  }
}

/** The pid of the redis-server listening on `port` (its command line names the port), if visible. */
export function redisPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('redis-server') && cmd.includes(String(port))) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** Pids of running processes whose command name (`/proc/<pid>/comm`) is one of `names`. */
export function pidsNamed(names: string[]): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${name}/comm`, 'utf8').trim())) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

let aptUpdated = false;

/**
 * `apt-get install -y` of Debian packages (root only), with one `apt-get update` and a retry when the first
 * try fails (stale or missing package lists). A service that the packages' install scripts start (where no
 * policy-rc.d prevents it) is stopped again by its pid: the bench leaves nothing running.
 * Resolves to undefined when installed, else to why not.
 */
export async function aptInstall(packages: string[], daemons: string[] = []): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  if (!which('apt-get')) return 'no apt-get';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const before = new Set(pidsNamed(daemons));
  const install = () =>
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { timeoutMs: 180_000, env }).catch(
      (err: Error) => ({ code: -1, signal: null, stdout: '', stderr: err.message, timedOut: false }) as RunResult,
    );
  const why = (r: RunResult) => (r.timedOut ? 'timed out' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`));
  let r = await install();
  if (r.code !== 0 && !aptUpdated) {
    aptUpdated = true;
    console.log(`notice: apt-get install ${packages.join(' ')} failed (${why(r)}); trying apt-get update first`);
    await run('apt-get', ['update', '-q'], { timeoutMs: 120_000, env }).catch(() => undefined);
    r = await install();
  }
  const started = pidsNamed(daemons).filter((pid) => !before.has(pid));
  if (started.length) {
    console.log(`notice: the install started ${started.length} service process(es) (${started.join(', ')}): stopping them`);
    signalPids(started, 'SIGTERM');
  }
  return r.code === 0 ? undefined : why(r);
}

/**
 * What a bench calls to stop everything it started, once: each of `steps()` (name, stop) in order, errors said
 * and not thrown, then the children left are killed and `work` removed. Also on SIGINT and SIGTERM (exit 130).
 */
export function stopper(work: string, say: (s: string) => void, steps: () => Array<[string, (() => Promise<unknown>) | undefined]>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const [name, stop] of steps()) await stop?.().catch((err: Error) => say(`${name} stop: ${err.message}`));
      for (const c of children) c.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      say(`${sig}: stopping everything`);
      void stopAll().then(() => process.exit(130));
    });
  return stopAll;
}

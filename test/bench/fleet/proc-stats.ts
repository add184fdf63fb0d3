import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds, machineBusySeconds, sleep } from '../proc';

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, RssAnon...), in KiB; undefined when the process is gone. */
export function statusKiB(pid: number | undefined, field: string): number | undefined {
  if (!pid) return undefined;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const rssKiB = (pid: number | undefined) => statusKiB(pid, 'VmRSS');
/** Peak RSS since the process started. */
export const hwmKiB = (pid: number | undefined) => statusKiB(pid, 'VmHWM');

/** Open file descriptors of a process (sockets included), or undefined when it is gone. */
export function fdCount(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

export interface CpuWindow {
  /** % of one core used by the process over the window. */
  percent: number;
  /** % of one core used by the `also` processes together (the agents). */
  alsoPercent: number;
  /** What the rest of the machine used (all cores, % of one core): the noise. */
  othersPercent: number;
  seconds: number;
  /** The process's CPU in 1-s steps over the window (% of a core). */
  series: number[];
}

const sumCpu = (pids: Array<number | undefined>): number => pids.reduce<number>((a, p) => a + (cpuSeconds(p) ?? 0), 0);

/** CPU of `pid` (and of the `also` processes together) over `ms` of wall time (utime + stime of /proc/<pid>/stat). */
export async function cpuOver(pid: number | undefined, ms: number, also: Array<number | undefined> = []): Promise<CpuWindow> {
  const c0 = cpuSeconds(pid);
  const a0 = sumCpu(also);
  const m0 = machineBusySeconds();
  const t0 = performance.now();
  // 1-s samples too: the steady cost (keepalives) apart from the presence heartbeat's burst.
  const series: number[] = [];
  let prev = c0 ?? 0;
  let prevT = t0;
  for (let i = 0; i < 10_000; i++) {
    const left = t0 + ms - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(1000, left));
    const now = performance.now();
    const c = cpuSeconds(pid) ?? prev;
    if (now - prevT >= 500) series.push(((c - prev) / ((now - prevT) / 1000)) * 100);
    prev = c;
    prevT = now;
  }
  const c1 = cpuSeconds(pid);
  const a1 = sumCpu(also);
  const m1 = machineBusySeconds();
  const wall = (performance.now() - t0) / 1000;
  if (c0 === undefined || c1 === undefined) throw new Error(`process ${pid} went away while its CPU was measured`);
  const percent = ((c1 - c0) / wall) * 100;
  const alsoPercent = ((a1 - a0) / wall) * 100;
  const machine = m0 !== undefined && m1 !== undefined ? ((m1 - m0) / wall) * 100 : percent + alsoPercent;
  return { percent, alsoPercent, othersPercent: Math.max(0, machine - percent - alsoPercent), seconds: wall, series };
}

/** CPU used by a process (and a group of others) from construction on. */
export class CpuSpan {
  private readonly c0: number;
  private readonly a0: number;
  private readonly t0 = performance.now();
  constructor(
    private readonly pid: number | undefined,
    private readonly also: Array<number | undefined> = [],
  ) {
    this.c0 = cpuSeconds(pid) ?? NaN;
    this.a0 = sumCpu(also);
  }
  /** CPU seconds of the process since construction (NaN once it is gone). */
  seconds(): number {
    return (cpuSeconds(this.pid) ?? NaN) - this.c0;
  }
  /** CPU seconds of the `also` group since construction (processes gone meanwhile count 0). */
  alsoSeconds(): number {
    return sumCpu(this.also) - this.a0;
  }
  /** % of one core since construction. */
  percent(): number {
    return (this.seconds() / ((performance.now() - this.t0) / 1000)) * 100;
  }
}

/**
 * TcpExt counters of /proc/net/netstat (this network namespace): ListenOverflows / ListenDrops grow when a listener's
 * accept queue (Node's default backlog 511) is full and SYNs are dropped, so clients retry after 1 s, 3 s, ...
 */
export function tcpExt(): Record<string, number> {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      if (!lines[i].startsWith('TcpExt:') || !lines[i + 1].startsWith('TcpExt:')) continue;
      const names = lines[i].split(/\s+/).slice(1);
      const values = lines[i + 1].split(/\s+/).slice(1).map(Number);
      return Object.fromEntries(names.map((n, j) => [n, values[j]]));
    }
  } catch {
    /* not Linux */
  }
  return {};
}

export function listenDrops(): number {
  return tcpExt().ListenDrops ?? 0;
}

import { writeFileSync } from 'node:fs';
import { FLEET_LEVERS } from './fleet-levers';
import type { StackFloor } from './stack-floor';
import type { MachineInfo } from '../proc';
import { machineLine } from '../bench-table';
import { writeSection } from '../doc-section';

export const FLEET_START = '<!-- fleet:start -->';
export const FLEET_END = '<!-- fleet:end -->';

/** One step of the growth: the edge idle with `devices` devices. */
export interface StageResult {
  /** Devices started so far; of them on edge 0, and fallen over to edge 1 (timed out on edge 0). */
  devices: number;
  onEdge0: number;
  fellOver: number;
  /** Devices this step added, and the agent processes they ran in. */
  added: number;
  agents: number;
  /** Wall time from spawning the step's agents until each had minted its certificates ("device(s) starting"). */
  mintSeconds: number;
  rampSeconds: number;
  /** From the first agent starting its ramp until presence showed every device of the step on edge 0. */
  connectSeconds: number;
  /** TcpExt ListenDrops during the step (SYNs dropped on a full accept queue). */
  listenDrops: number;
  /** Edge RSS after `idleSeconds` idle, and (RSS - RSS before any device) / devices on edge 0. */
  rssKiB: number;
  perDeviceKiB: number;
  idleSeconds: number;
  /**
   * The same once the CPU windows are over too (the last step of a full run, `settledSeconds` idle): V8's memory
   * reducer has shrunk the heap by then (its young generation stays at its maximum after a ramp until it runs).
   */
  settledPerDeviceKiB?: number;
  settledSeconds?: number;
  /** Edge CPU (% of a core) in each idle window; `cpuPercent` the worst one, `cpuAvgPercent` over all. */
  cpuWindows: number[];
  cpuWindowSeconds: number;
  cpuPercent: number;
  cpuAvgPercent: number;
  /** Edge CPU in 1-s steps over the windows, and their median: the steady cost without the heartbeat's burst. */
  cpuSeries1s: number[];
  cpuMedian1sPercent: number;
  /** The agent processes meanwhile (% of a core, together): the devices' keepalives. */
  agentsPercent: number;
  /** The rest of the machine meanwhile (% of a core, all cores): the noise. */
  othersPercent: number;
  /** Edge CPU per device connecting in this step (TLS + SSH handshake, hello, presence claim), ms. */
  connectEdgeMsPerDevice: number;
  /** Presence refresh scripts Redis ran during the CPU windows / scripts per round (one per 500 claims): heartbeat rounds inside. */
  heartbeats: number;
  edgeFds?: number;
}

export interface StormResult {
  devices: number;
  reconnectJitterMs: number;
  boundSeconds: number;
  /** Seconds from SIGKILL of edge 0 until presence said edge-1 for every device (undefined: never within the bound). */
  presenceSeconds?: number;
  /** ... and until every sampled device answered 200 through the gateway. */
  reachableSeconds?: number;
  /** Seconds until a share of the fleet was on edge 1. */
  milestones: Array<{ percent: number; seconds?: number }>;
  /** Devices not on edge 1 when the wait ended. */
  missing: number;
  missingExamples: string[];
  sampleSize: number;
  sampleOk: number;
  /** Statuses / errors of the sampled GETs that did not answer 200 on the first try. */
  sampleFirstFailures: Record<string, number>;
  /** Edge 1: CPU from the kill until all present, peak RSS, RSS after. */
  edge1CpuPercent: number;
  /** CPU seconds from the kill until all were present (or the bound): edge 1, and the agents together. */
  edge1CpuSeconds: number;
  agentsCpuSeconds: number;
  /** The same per reconnected device (ms); undefined when less than half the fleet made it. */
  edge1MsPerDevice?: number;
  agentsMsPerDevice?: number;
  edge1PeakRssKiB?: number;
  edge1RssKiB?: number;
  edge1PerDeviceKiB?: number;
  listenDrops: number;
  /** [seconds since the kill, devices on edge 1], about one a second. */
  timeline: Array<[number, number]>;
}

export interface FleetRun {
  date: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  fdLimit: { soft: number; hard: number };
  devices: number;
  agents: number;
  agentArgs: string;
  edgeConfig: Record<string, string | number>;
  /** How the edges allocate memory (glibc malloc, or jemalloc preloaded as k8s/edge.yaml does). */
  edgeAllocator?: string;
  baselineRssKiB: number;
  mint: { devices: number; agents: number; seconds: number; perDeviceMs: number };
  initialConnect: { devices: number; rampSeconds: number; connectSeconds: number };
  stages: StageResult[];
  storm?: StormResult;
  /** The stack's own cost per idle device, nothing of tether in it (fleet/stack-floor): TLS + SSH, and TLS alone. */
  floor?: { ssh: StackFloor; tls?: StackFloor };
  notes: string[];
  totalSeconds: number;
}

export const GOALS = {
  perDeviceKiB: 40,
  idleCpuPercent: 5,
  stormSeconds: 30,
  /** The storm goal is for this many devices (PERFORMANCE.md). */
  stormDevices: 10_000,
};

export interface SummaryRow {
  figure: string;
  value: string;
  goal: string;
  met: string;
}

function num(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const yes = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : '**no**');

export function summaryRows(r: FleetRun): SummaryRow[] {
  const last = r.stages[r.stages.length - 1];
  const s = r.storm;
  const n = num(r.devices);
  const rows: SummaryRow[] = [
    {
      figure: `edge RSS per idle device at ${num(last?.onEdge0)} devices (KiB)`,
      value: num(last?.perDeviceKiB, 1),
      goal: `≤ ${GOALS.perDeviceKiB}`,
      met: yes(last ? last.perDeviceKiB <= GOALS.perDeviceKiB : undefined),
    },
    {
      figure: `edge CPU idle with ${num(last?.onEdge0)} devices (% of a core, worst ${num(last?.cpuWindowSeconds)} s window)`,
      value: num(last?.cpuPercent, 2),
      goal: `< ${GOALS.idleCpuPercent}`,
      met: yes(last ? last.cpuPercent < GOALS.idleCpuPercent : undefined),
    },
  ];
  if (last?.settledPerDeviceKiB !== undefined)
    rows.splice(1, 0, {
      figure: `edge RSS per idle device at ${num(last.onEdge0)} devices, ${num(last.settledSeconds)} s idle (KiB)`,
      value: num(last.settledPerDeviceKiB, 1),
      goal: `≤ ${GOALS.perDeviceKiB}`,
      met: yes(last.settledPerDeviceKiB <= GOALS.perDeviceKiB),
    });
  if (last && last.cpuWindows.length > 1)
    rows.push({
      figure: `edge CPU idle with ${num(last.onEdge0)} devices (% of a core, mean over ${num(last.cpuWindows.length * last.cpuWindowSeconds)} s = one heartbeat period)`,
      value: num(last.cpuAvgPercent, 2),
      goal: `< ${GOALS.idleCpuPercent}`,
      met: yes(last.cpuAvgPercent < GOALS.idleCpuPercent),
    });
  if (last)
    rows.push({
      figure: `edge CPU idle with ${num(last.onEdge0)} devices (% of a core, median of 1 s samples: keepalives without the heartbeat)`,
      value: num(last.cpuMedian1sPercent, 2),
      goal: '',
      met: '',
    });
  rows.push(...floorRows(r.floor));
  rows.push(
    {
      figure: `reconnect storm: SIGKILL edge 0 → all ${n} on edge 1 and 50 sampled answer 200 (s)`,
      value: s ? (s.reachableSeconds !== undefined ? num(s.reachableSeconds, 1) : `> ${s.boundSeconds}`) : '—',
      goal: `≤ ${GOALS.stormSeconds}${r.devices < GOALS.stormDevices ? ` (for ${num(GOALS.stormDevices)})` : ''}`,
      met: yes(s ? s.reachableSeconds !== undefined && s.reachableSeconds <= GOALS.stormSeconds : undefined),
    },
    {
      figure: `reconnect storm: devices not on edge 1 after ${s?.boundSeconds ?? '—'} s`,
      value: s ? num(s.missing) : '—',
      goal: '0',
      met: yes(s ? s.missing === 0 : undefined),
    },
    {
      figure: 'reconnect storm: presence complete on edge 1 (s)',
      value: s?.presenceSeconds !== undefined ? num(s.presenceSeconds, 1) : '—',
      goal: '',
      met: '',
    },
    ...(s?.milestones ?? [])
      .filter((m) => m.percent < 100)
      .map((m) => ({ figure: `reconnect storm: ${m.percent} % on edge 1 (s)`, value: num(m.seconds, 1), goal: '', met: '' })),
    { figure: 'reconnect storm: edge 1 CPU until all present (% of a core)', value: num(s?.edge1CpuPercent, 0), goal: '', met: '' },
    { figure: 'reconnect storm: edge 1 CPU (s, from the kill until all present or the bound)', value: num(s?.edge1CpuSeconds, 1), goal: '', met: '' },
    { figure: 'reconnect storm: agents CPU (s, the simulated devices, same span)', value: num(s?.agentsCpuSeconds, 1), goal: '', met: '' },
    { figure: 'reconnect storm: edge 1 CPU per reconnected device (ms)', value: num(s?.edge1MsPerDevice, 2), goal: '', met: '' },
    { figure: 'reconnect storm: agents CPU per reconnected device (ms)', value: num(s?.agentsMsPerDevice, 2), goal: '', met: '' },
    { figure: 'reconnect storm: edge 1 peak RSS (MiB)', value: num(s?.edge1PeakRssKiB !== undefined ? s.edge1PeakRssKiB / 1024 : undefined, 0), goal: '', met: '' },
    { figure: 'reconnect storm: edge 1 RSS per device afterwards (KiB)', value: num(s?.edge1PerDeviceKiB, 1), goal: '', met: '' },
    { figure: 'reconnect storm: SYNs dropped on full accept queues (ListenDrops)', value: num(s?.listenDrops), goal: '', met: '' },
    {
      figure: `edge CPU per device connect (ms, TLS + SSH + hello + presence, last step at ${num(r.devices / Math.max(1, r.initialConnect.rampSeconds))}/s)`,
      value: num(last?.connectEdgeMsPerDevice, 2),
      goal: '',
      met: '',
    },
    {
      figure: `→ one edge core absorbs ${num(GOALS.stormDevices)} reconnects in at best (s, = ms per connect × ${num(GOALS.stormDevices)})`,
      value: num(last ? (last.connectEdgeMsPerDevice * GOALS.stormDevices) / 1000 : undefined, 1),
      goal: `≤ ${GOALS.stormSeconds}`,
      met: yes(last ? (last.connectEdgeMsPerDevice * GOALS.stormDevices) / 1000 <= GOALS.stormSeconds : undefined),
    },
    {
      figure: `initial connect: ${n} devices at ${num(r.devices / Math.max(1, r.initialConnect.rampSeconds))}/s ramp (s until all present)`,
      value: num(r.initialConnect.connectSeconds, 1),
      goal: '',
      met: '',
    },
    {
      figure: `minting ${n} device certificates in the agents (${r.mint.agents} processes, s wall)`,
      value: num(r.mint.seconds, 1),
      goal: '',
      met: '',
    },
  );
  return rows;
}

/** The floor beside the edge: judged against the same goals, so a "no" there means no code of ours can meet it. */
function floorRows(f: FleetRun['floor']): SummaryRow[] {
  if (!f) return [];
  const bare = 'stack floor (bare `node:tls` + `ssh2` server, nothing of tether)';
  return [
    {
      figure: `${bare}: RSS per idle connection at ${num(f.ssh.connections)} (KiB)`,
      value: num(f.ssh.perConnectionKiB, 1),
      goal: `≤ ${GOALS.perDeviceKiB}`,
      met: yes(f.ssh.perConnectionKiB <= GOALS.perDeviceKiB),
    },
    ...(f.tls
      ? [{ figure: `stack floor, \`node:tls\` alone: RSS per idle connection at ${num(f.tls.connections)} (KiB)`, value: num(f.tls.perConnectionKiB, 1), goal: '', met: '' }]
      : []),
    {
      figure: `${bare}: CPU idle with ${num(f.ssh.connections)} connections (% of a core, mean over ${num(f.ssh.idleSeconds)} s)`,
      value: num(f.ssh.cpuPercent, 2),
      goal: `< ${GOALS.idleCpuPercent}`,
      met: yes(f.ssh.cpuPercent < GOALS.idleCpuPercent),
    },
    { figure: `${bare}: CPU idle, median of 1 s samples (% of a core)`, value: num(f.ssh.cpuMedian1sPercent, 2), goal: '', met: '' },
  ];
}

const STAGE_HEAD = [
  'devices on edge 0',
  'edge RSS (MiB)',
  'RSS per device (KiB)',
  'edge CPU idle (% core)',
  'heartbeats in window',
  'agents CPU idle (% core)',
  'others (% core)',
  'connect (s)',
  'ramp (s)',
  'edge CPU per connect (ms)',
  'SYN drops',
  'edge fds',
];

function stageCells(r: FleetRun): string[][] {
  return [
    ['0', num(r.baselineRssKiB / 1024, 1), '', '', '', '', '', '', '', '', '', ''],
    ...r.stages.map((s) => [
      s.fellOver ? `${num(s.onEdge0)} (+${num(s.fellOver)} on edge 1)` : num(s.onEdge0),
      num(s.rssKiB / 1024, 1),
      num(s.perDeviceKiB, 1),
      s.cpuWindows.length > 1 ? `${num(s.cpuPercent, 2)} (mean ${num(s.cpuAvgPercent, 2)})` : num(s.cpuPercent, 2),
      num(s.heartbeats, 1),
      num(s.agentsPercent, 1),
      num(s.othersPercent, 0),
      num(s.connectSeconds, 1),
      num(s.rampSeconds, 1),
      num(s.connectEdgeMsPerDevice, 2),
      num(s.listenDrops),
      num(s.edgeFds),
    ]),
  ];
}

function text(head: string[], rows: string[][], leftCols = 1): string {
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < leftCols ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  |  ');
  return [line(head), w.map((k) => '-'.repeat(k)).join('--+--'), ...rows.map(line)].join('\n');
}

function markdown(head: string[], rows: string[][], leftCols = 1): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < leftCols ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function textReport(r: FleetRun): string {
  const sum = summaryRows(r).map((x) => [x.figure, x.value, x.goal, x.met.replace(/\*/g, '')]);
  return [
    'growth (edge 0, idle):',
    text(STAGE_HEAD, stageCells(r)),
    '',
    text(['figure', 'value', 'goal', 'met'], sum),
    ...(r.storm ? ['', `storm timeline (s since SIGKILL: devices on edge 1): ${timeline(r.storm)}`] : []),
  ].join('\n');
}

/** The storm's timeline, at most ~30 points (docs/fleet-latest.json has every one). */
function timeline(s: StormResult): string {
  const step = Math.max(1, Math.ceil(s.timeline.length / 30));
  return s.timeline
    .filter((_, i) => i % step === 0 || i === s.timeline.length - 1)
    .map(([t, n]) => `${t.toFixed(0)}:${n}`)
    .join(' ');
}

/** The whole section between the fleet markers: method, the run's particulars, its tables and notes. */
export function fleetSection(r: FleetRun): string {
  const s = r.storm;
  const e = r.edgeConfig;
  return [
    FLEET_START,
    '## Devices per edge and reconnect storm',
    '',
    'Measured by `node dist/test/bench/fleet-bench.js [--quick]` (`test/bench/fleet-bench.ts`, after `npm run build`).',
    'This section is rewritten by each run; the goals come from `PERFORMANCE.md`.',
    '',
    '**Method.** One `TetherCluster` on 127.0.0.1: a redis-server, 2 edges and a gateway, edges with',
    `\`presence_ttl = ${e.presence_ttl}\`, \`keepalive = ${e.keepalive}\` (the defaults) and \`loglevel = ${e.loglevel}\``,
    '(notice: the fixture waits for notice lines at start; nothing is logged per idle device). Simulated devices are',
    `\`tether agent --count K --issue-from <dispatcher CA>\` processes (${r.agentArgs}), each device with the server`,
    'list [edge 0, edge 1], so all land on edge 0, and a small local HTTP server as their `--target`. The fleet grows in',
    `steps (${r.stages.map((x) => num(x.devices)).join(' → ')} devices), at most 2,500 devices per agent process,`,
    'each step ramped at the same rate. "Connected" is presence: the `edge` field of `tether:dev:<mac>` in Redis, read',
    'for every MAC of the fleet. After each step, the edge idles: RSS (`VmRSS` of `/proc/<pid>/status`) after',
    '10 s idle (`--quick`: 5 s before the last step), minus its RSS before any device, per device on edge 0 (GC makes',
    'the baseline move by ±10 MiB: figures for a few hundred devices are noise); then its CPU (utime + stime of',
    '`/proc/<pid>/stat`) over 10 s windows (the last step: 3 windows in a full run, one presence heartbeat period, as',
    'the heartbeat refreshes every claim once per `presence_ttl / 3` s), also sampled every second (the median is the',
    'steady cost of keepalives). "heartbeats in window" is the number of presence refresh scripts Redis ran during the',
    'CPU windows divided by the scripts of one round (one per 500 claims). "edge CPU per connect" is the edge\'s CPU during a step\'s connections divided',
    'by the devices that connected: what one TLS + SSH arrival costs it. Then the **storm**: SIGKILL',
    'of edge 0; every device drops at once, waits its reconnect jitter, finds edge 0 refusing and connects to edge 1.',
    'Done when presence says edge-1 for every MAC and 50 random devices answer `200` to a GET through the gateway.',
    'Last, with the cluster stopped, the **stack floor** (`test/bench/fleet/stack-floor.ts`): a bare `node:tls` server',
    'with client certificates and an unmodified `ssh2` server inside each connection, on the edge\'s allocator, holding',
    'what the tunnel keeps per device (the SSH session, its `tcpip-forward`, one subsystem channel) for as many devices',
    'dialled from other processes with the same keepalive, then `node:tls` alone: what a device costs before any code of',
    'ours, measured as the edge is (RSS over its base after the idle window, CPU over it). See',
    '[device-floor.md](device-floor.md).',
    '',
    `Run of ${r.date} (${r.mode === 'quick' ? '`--quick`' : 'full'}, ${num(r.totalSeconds)} s in all).`,
    '',
    `- machine: ${machineLine(r.machine)}; open files limit ${num(r.fdLimit.soft)}`,
    ...(r.edgeAllocator ? [`- edge allocator: ${r.edgeAllocator}`] : []),
    `- fleet: ${num(r.devices)} devices in ${r.agents} agent processes; certificates minted in the agents:`,
    `  ${num(r.mint.seconds, 1)} s wall for all (${num(r.mint.perDeviceMs, 2)} ms of one process per certificate)`,
    s ? `- storm: devices reconnect after a random 0–${num(s.reconnectJitterMs)} ms (\`--reconnect-jitter\`, the agent's default), bounded wait ${s.boundSeconds} s` : '- storm: not run',
    '',
    'Growth (edge 0, idle):',
    '',
    markdown(STAGE_HEAD, stageCells(r)),
    '',
    markdown(['figure', 'value', 'goal', 'met'], summaryRows(r).map((x) => [x.figure, x.value, x.goal, x.met]), 1),
    ...(s ? ['', `Storm timeline (seconds since SIGKILL: devices on edge 1): ${timeline(s)}`] : []),
    ...(r.notes.length ? ['', ...r.notes.map((n) => `- ${n}`)] : []),
    '',
    FLEET_LEVERS.trimEnd(),
    FLEET_END,
  ].join('\n');
}

/** Replaces the fleet section (or appends it, markers included, at the end); nothing else in the doc changes. */
export function writeFleetSection(path: string, r: FleetRun): void {
  writeSection(path, FLEET_START, FLEET_END, fleetSection(r));
}

export function writeFleetJson(path: string, r: FleetRun): void {
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
}

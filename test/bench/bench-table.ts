import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './proc';

export interface Row {
  figure: string;
  direct?: number;
  tether?: number;
  /** Digits after the point. */
  digits?: number;
  /** Print tether/direct (default: when both are there). */
  ratio?: boolean;
}

export interface RunInfo {
  date: string;
  mode: string;
  machine: MachineInfo;
  generator: string;
  origin: string;
  path: string;
  notes: string[];
}

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

function num(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cells(r: Row): [string, string, string, string] {
  const ratio =
    r.ratio !== false && r.direct !== undefined && r.tether !== undefined && r.direct > 0 && Number.isFinite(r.tether)
      ? `${(r.tether / r.direct).toFixed(r.tether / r.direct < 0.1 ? 3 : 2)}x`
      : '';
  return [r.figure, num(r.direct, r.digits), num(r.tether, r.digits), ratio];
}

const HEAD: [string, string, string, string] = ['figure', 'direct', 'tether', 'ratio (tether/direct)'];

/** The table for a terminal: aligned columns. */
export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  |  ');
  return [line(HEAD), w.map((n) => '-'.repeat(n)).join('--+--'), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  return [
    `| ${HEAD.join(' | ')} |`,
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
  ].join('\n');
}

export function machineLine(m: MachineInfo): string {
  return `${m.cores} cores (\`nproc\`), ${m.memoryGiB} GiB memory, ${m.cpu}, Node ${m.node}${m.kernel ? `, Linux ${m.kernel}` : ''}`;
}

/** What goes between the markers: the run's particulars and its table. */
export function latestRun(info: RunInfo, rows: Row[]): string {
  return [
    START,
    `Run of ${info.date} (${info.mode}).`,
    '',
    `- machine: ${machineLine(info.machine)}`,
    `- load generator: ${info.generator}`,
    `- origin: ${info.origin}`,
    `- tether path: ${info.path}`,
    '',
    markdownTable(rows),
    ...(info.notes.length ? ['', ...info.notes.map((n) => `- ${n}`)] : []),
    END,
  ].join('\n');
}

/** The hand-written parts, used only when docs/benchmarks.md does not exist yet. */
export function template(info: RunInfo): string {
  return `# Benchmarks

The first figures of the request path, measured by \`npm run bench\` (\`test/bench/bench.ts\`): what the proxy
costs compared with asking the origin HTTP server directly, and where the CPU time goes. Targets and earlier
probes: \`PERFORMANCE.md\` in the shared notes.

## Machine

The project's machine kind (every developer's and CI's is the same):

- ${machineLine(info.machine)}

Every run also prints the machine it ran on above its table.

## Method

Everything on 127.0.0.1, each program in its own process:

- **cluster path**: a \`TetherCluster\` fixture (a redis-server, 1 edge, 1 gateway) and one \`tether agent\`
  (\`--max-conn 32\`, so the device's own limit is not the cap) whose \`--target\` is the origin: load
  generator → gateway (node:http forward proxy) → gRPC → edge → SSH channel inside mutual TLS → agent →
  origin. Edge, gateway and agent log at notice level, which logs nothing per request. Warning level is not
  possible, because the cluster fixture waits for notice lines (\`listen_user on\`, \`connected to\`) at start.
- **origin**: nginx from Debian when it is installed (a master and one worker per core, \`sendfile on\`,
  static files, as in \`PERFORMANCE.md\`), else a small Node HTTP server in a child process
  (\`test/bench/origin-server.ts\`).
- **small requests**: \`GET /bytes/1024\` (1 KiB with Content-Length), 32 concurrent keep-alive connections,
  10 s (\`--quick\`: 3 s); \`wrk -t1 -c32 --latency\` when wrk is installed (the bench tries
  \`apt-get install -y wrk\` when it is root; through the proxy a Lua script sets \`wrk.path\` to the
  absolute URI \`http://<mac>/bytes/1024\`), else a built-in Node load generator in a child process
  (\`test/bench/load-worker.ts\`). Figures: 2xx responses per second, p50 / p99 latency under that load.
- **bulk**: one 512 MiB download (\`--quick\`: 128 MiB) with \`curl -s -o /dev/null -w '%{speed_download}'\`,
  directly and with \`curl -x <gateway>\`; MB/s = 10^6 bytes per second.
- **order and warm-up**: direct small, direct bulk; then the tether path is warmed up (5 s, \`--quick\` 3 s, of
  small requests from the Node generator: the JIT of three Node processes needs that), bulk through tether
  after 2 s of 16 MiB downloads, and small requests through tether last, after 2 s more of warm-up. Warm-ups
  use the Node generator because it lets its last requests finish, while wrk stops with 32 requests in
  flight, and the tether path recovers slowly from aborted requests (see Observations).
- **CPU**: user + system time of each process from \`/proc/<pid>/stat\` over the measured phase, as % of one
  core (the machine has ${info.machine.cores} cores: the sum can reach ${info.machine.cores * 100} %). The load
  generator and curl are children of the bench: their time is the growth of the bench's cutime + cstime. The
  last row of each phase is what the rest of the machine used meanwhile (\`/proc/stat\`): the noise. A run
  where it exceeds 25 % of a core says so under its table.

## Latest run

${START}
${END}

## How to reproduce

\`\`\`sh
apt-get install -y wrk nginx   # optional: without them the bench uses its Node generator / Node origin
npm run bench                  # full run (~45 s), writes the table under "Latest run"
npm run bench -- --quick       # 3 s / 128 MiB phases (~20 s)
\`\`\`

Flags: \`--quick\`, \`--generator wrk|node\`, \`--origin nginx|node\`, \`--no-install\` (do not try
\`apt-get install wrk\`), \`--no-write\` (print only). The bench stops everything it started, also on error
or Ctrl-C; every load loop is bounded in time.

Shared machines are noisy: absolute figures move by tens of percent between runs (see the noise rows); the
ratios measured in one run (tether/direct, and the CPU split) are what to trust.
`;
}

/** Replaces the table between the markers (or creates the doc); the hand-written parts stay as they are. */
export function writeDoc(path: string, info: RunInfo, rows: Row[]): void {
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : template(info);
  const block = latestRun(info, rows);
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + block + doc.slice(b + END.length);
  else doc = `${doc.trimEnd()}\n\n## Latest run\n\n${block}\n`;
  writeFileSync(path, doc);
}

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './proc';

/** One figure of every path: direct to the origin, the two baselines, and tether. */
export interface Row {
  figure: string;
  direct?: number;
  haproxy?: number;
  openssh?: number;
  tether?: number;
  /** Digits after the point. */
  digits?: number;
  /** Print tether/OpenSSH (default: when both are there). */
  ratio?: boolean;
  /** The goal: tether/OpenSSH at least this (then the row says met or not). */
  goal?: number;
}

export interface RunInfo {
  date: string;
  mode: string;
  machine: MachineInfo;
  generator: string;
  origin: string;
  uploadOrigin: string;
  path: string;
  /** One line per baseline: what it is, or why it was skipped. */
  baselines: string[];
  /** Goals met, e.g. `0 of 3`. */
  goals: string;
  notes: string[];
}

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

function num(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** tether/OpenSSH, when the row has both and asks for it. */
export function ratioOf(r: Row): number | undefined {
  if (r.ratio === false || r.openssh === undefined || r.tether === undefined) return undefined;
  if (!(r.openssh > 0) || !Number.isFinite(r.tether)) return undefined;
  return r.tether / r.openssh;
}

/** Whether the row meets its goal; undefined when it has none or no ratio. */
export function met(r: Row): boolean | undefined {
  const q = ratioOf(r);
  return r.goal === undefined || q === undefined ? undefined : q >= r.goal;
}

const HEAD = ['figure', 'direct', 'haproxy', 'OpenSSH + stunnel', 'tether', 'tether/OpenSSH', 'goal', 'met'];

function cells(r: Row): string[] {
  const q = ratioOf(r);
  const m = met(r);
  return [
    r.figure,
    num(r.direct, r.digits),
    num(r.haproxy, r.digits),
    num(r.openssh, r.digits),
    num(r.tether, r.digits),
    q === undefined ? '' : `${q.toFixed(q < 0.1 ? 3 : 2)}x`,
    r.goal === undefined ? '' : `>= ${r.goal.toFixed(1)}x`,
    r.goal === undefined ? '' : m === undefined ? '—' : m ? 'yes' : 'no',
  ];
}

/** The table for a terminal: aligned columns. */
export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ');
  return [line(HEAD), w.map((n) => '-'.repeat(n)).join('-+-'), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  return [
    `| ${HEAD.join(' | ')} |`,
    `|---|${HEAD.slice(1).map(() => '---:').join('|')}|`,
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
    `- origin: ${info.origin}; uploads: ${info.uploadOrigin}`,
    `- tether path: ${info.path}`,
    ...info.baselines.map((b) => `- ${b}`),
    `- goals met: ${info.goals}`,
    '',
    markdownTable(rows),
    ...(info.notes.length ? ['', ...info.notes.map((n) => `- ${n}`)] : []),
    END,
  ].join('\n');
}

/** The hand-written parts, used only when docs/benchmarks.md does not exist yet. */
export function template(info: RunInfo): string {
  return `# Benchmarks

The figures of the request path, measured by \`npm run bench\` (\`test/bench/bench.ts\`): what the proxy costs
compared with asking the origin HTTP server directly, how it compares with what an operator could use instead
(haproxy; an OpenSSH reverse tunnel inside stunnel, the O3C shape built from C tools), all measured in the same
run, and where the CPU time goes. Targets and earlier probes: \`PERFORMANCE.md\` in the shared notes.

## Machine

The project's machine kind (every developer's and CI's is the same):

- ${machineLine(info.machine)}

Every run also prints the machine it ran on above its table.

## Method

Everything on 127.0.0.1, each program in its own process, all of them children of the bench, configured in a
temp dir and stopped at the end (also on error or Ctrl-C). Four paths get the same load, one after the other,
in the same run:

- **direct**: the load generator asks the origin itself (the machine's limit).
- **haproxy** (one HTTP hop: what any reverse proxy costs): Debian's haproxy, \`mode http\`, keep-alive on both
  sides, default threads (one per core), one frontend per origin, run as \`haproxy -f <cfg> -db\`.
- **OpenSSH + stunnel** (the O3C shape built from C tools; the goals are ratios to it): on the server side an
  \`sshd -D -e -f <cfg>\` with its own config (own ed25519 host key, \`AuthorizedKeysFile\` with a generated
  device key, \`UsePAM no\`, \`StrictModes no\`, \`AllowTcpForwarding yes\`, \`GatewayPorts no\`) behind an stunnel
  "server side" (TLS in, plain out to sshd); on the device side an stunnel "client side" (plain in, TLS out)
  and \`ssh -N -R 127.0.0.1:<tunnel port>:127.0.0.1:<origin port>\` through it (a second \`-R\` for the upload
  origin). The two stunnels (\`foreground = yes\`) verify each other's self-signed P-256 certificate (mutual
  TLS, as on the device hop). Default ciphers: the run prints them (OpenSSH 9.2: chacha20-poly1305; TLS 1.3
  AES-256-GCM). The load goes to sshd's tunnel port in origin form (\`GET /bytes/1024\`): OpenSSH has no proxy
  of its own, so this is the raw tunnel without the HTTP proxy hop that tether has, the fairest C baseline.
- **tether** (the cluster path): a \`TetherCluster\` fixture (a redis-server, 1 edge, 1 gateway) and a
  \`tether agent\` per origin (\`--max-conn 32\`, so the device's own limit is not the cap): load generator →
  gateway (node:http forward proxy) → gRPC → edge → SSH channel inside mutual TLS → agent → origin. Edge,
  gateway and agents log at notice level, which logs nothing per request. Warning level is not possible,
  because the cluster fixture waits for notice lines (\`listen_user on\`, \`connected to\`) at start.

The measurements:

- **origin**: nginx from Debian when it is installed (a master and one worker per core, \`sendfile on\`,
  static files, as in \`PERFORMANCE.md\`), else a small Node HTTP server in a child process
  (\`test/bench/origin-server.ts\`).
- **small requests**: \`GET /bytes/1024\` (1 KiB with Content-Length), 32 concurrent keep-alive connections,
  10 s (\`--quick\`: 3 s); \`wrk -t1 -c32 --latency\` when wrk is installed (the bench tries
  \`apt-get install -y wrk\` when it is root; through the proxy a Lua script sets \`wrk.path\` to the
  absolute URI \`http://<mac>/bytes/1024\`), else a built-in Node load generator in a child process
  (\`test/bench/load-worker.ts\`). Figures: 2xx responses per second, p50 / p99 latency under that load.
- **bulk download**: one 512 MiB download (\`--quick\`: 128 MiB) with
  \`curl -s -o /dev/null -w '%{speed_download}'\`, directly, to haproxy, to the tunnel port, and with
  \`curl -x <gateway>\`; MB/s = 10^6 bytes per second.
- **bulk upload**: one 512 MiB upload (\`--quick\`: 128 MiB) of a file with \`curl -T <file> -H 'Expect:'\` (a PUT
  with Content-Length; no path waits for a \`100 Continue\`) to \`PUT /discard\` of the **upload origin**: the
  Node server of \`test/bench/origin-server.ts\` in a process of its own, which reads the body, drops it and
  answers \`{"bytes":N}\` once the body has ended (the bench checks N). It is the upload origin of every path,
  also when nginx serves the downloads (nginx cannot simply discard a request body). Through tether, a second
  agent (device \`00408c0be7c5\`) has it as its target. MB/s = curl's \`speed_upload\`.
- **order and warm-up**: direct, haproxy, OpenSSH, each: small requests (after 1 s of the Node generator),
  download (after 1 s of 16 MiB downloads), upload (after 1 s of 16 MiB uploads); each baseline is stopped
  after its phases. Then tether: warmed up (5 s, \`--quick\` 3 s, of small requests from the Node generator:
  the JIT of three Node processes needs that), download after 2 s of 16 MiB downloads, upload after 2 s of
  16 MiB uploads, and small requests last, after 2 s more of warm-up. Warm-ups use the Node generator
  because it lets its last requests finish, while wrk stops with 32 requests in flight, and the tether path
  recovers slowly from aborted requests (see Observations).
- **goals** (from \`PERFORMANCE.md\`): tether at least 1.0x the OpenSSH tunnel for small requests/s, bulk
  download and bulk upload. Each of those rows prints tether/OpenSSH, the goal and whether this run met it;
  the line "goals met" above the table counts them.
- **CPU**: user + system time of each process from \`/proc/<pid>/stat\` over the measured phase, as % of one
  core (the machine has ${info.machine.cores} cores: the sum can reach ${info.machine.cores * 100} %). A path's own processes: tether's gateway, edge,
  agent (the upload agent in the upload phase) and redis; haproxy (one process, all its threads); sshd (the
  listener and its session process: for a root login OpenSSH 9.2 serves the session in the privileged
  process, without an unprivileged child), ssh and the two stunnels. The row "the path's own processes" adds
  them up per path, and the next row divides that by the work done (µs of CPU per small request, CPU
  seconds per GB moved): the cost of each path per unit, independent of its throughput. These rows and
  "all of the above" print tether/OpenSSH. The load generator and curl are children
  of the bench: their time is the growth of the bench's cutime + cstime. The last row of each phase is what
  the rest of the machine used meanwhile (\`/proc/stat\`): the noise. A run where it exceeds 25 % of a core
  says so under its table.
- **packages**: when a baseline's programs are missing and the bench runs as root, it installs them with
  \`apt-get install -y --no-install-recommends\` (\`openssh-server openssh-client stunnel4 openssl\`;
  \`haproxy\`), after one \`apt-get update\` if the first try fails, and stops any service an install script
  started. A baseline that cannot be installed or does not start is skipped with a notice; its column then
  shows — and the goals are not judged without the OpenSSH one.

## Latest run

${START}
${END}

## How to reproduce

\`\`\`sh
# Optional: the bench installs what is missing itself when it runs as root (wrk: else its Node generator;
# nginx: else its Node origin; the others: else that baseline is skipped).
apt-get install -y wrk nginx haproxy openssh-server openssh-client stunnel4
npm run bench                  # full run (~90 s), writes the table under "Latest run"
npm run bench -- --quick       # 3 s / 128 MiB phases (~40 s; ~20 s more when it installs packages)
\`\`\`

Flags: \`--quick\`, \`--generator wrk|node\`, \`--origin nginx|node\`, \`--no-install\` (do not try
\`apt-get install\`), \`--no-baselines\` (direct and tether only), \`--no-write\` (print only). The bench stops
everything it started, also on error or Ctrl-C; every load loop is bounded in time and count.

Shared machines are noisy: absolute figures move by tens of percent between runs (see the noise rows); the
ratios measured in one run (tether/OpenSSH, tether/direct, and the CPU split) are what to trust.
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

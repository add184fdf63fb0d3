import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MachineInfo } from './proc';
import { withSection } from './doc-section';

/** The columns: direct to the origin, the two baselines, and tether. */
export type PathKey = 'direct' | 'haproxy' | 'openssh' | 'tether';

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
  /** A goal on tether's own figure instead: at most `max` / at least `min`; `text` is the goal column. */
  limit?: { max?: number; min?: number; text: string };
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
  /** Markdown lines after the table (the plots). */
  after?: string[];
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

/** Whether the row meets its goal; undefined when it has none or lacks the figures to judge it. */
export function met(r: Row): boolean | undefined {
  if (r.limit) {
    const v = r.tether;
    if (v === undefined || !Number.isFinite(v)) return undefined;
    return (r.limit.max === undefined || v <= r.limit.max) && (r.limit.min === undefined || v >= r.limit.min);
  }
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
    r.limit ? r.limit.text : r.goal === undefined ? '' : `>= ${r.goal.toFixed(1)}x`,
    r.goal === undefined && !r.limit ? '' : m === undefined ? '—' : m ? 'yes' : 'no',
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
    ...(info.after?.length ? ['', ...info.after] : []),
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
  \`tether agent\` per origin (\`--max-conn 256\`, so the device's own limit is not the cap, also at 256 users):
  load generator → gateway (forward proxy) → gRPC → edge → SSH channel inside mutual TLS → agent → origin. Edge,
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
- **latency at a fixed rate** (issue "Performance and scale": added latency at 1,000 req/s): \`GET /bytes/1024\`
  at a constant 1,000 requests/s for 15 s (\`--quick\`: 3 s) after 1 s that is not counted, on every path, from
  the built-in constant-rate generator (\`test/bench/rate-worker.ts\`, a process of its own). Open loop: request
  i goes out at start + i ms whatever happened to the ones before it, on a keep-alive connection of a Node
  \`http.Agent\` (a new one when all are busy, up to 64; absolute URI through the gateway, origin form to the
  others), and its latency counts from when it was *due*, not from when it went out, so a stall of the path or
  of the generator shows as latency of every request due meanwhile (no coordinated omission). Latencies go
  into 1 % log buckets (\`test/bench/latency-histogram.ts\`). Figures: p50, p99, p99.9 per path, and what each
  path adds over direct at p50 and p99; **goal: tether adds at most 5 ms at p99**. The generator's own lag
  (timers fire at ~1 ms granularity) is in every path's figures alike; the notes print its p99 per path.
  The CPU rows of this phase are the path's own processes over the phase (warm-up included), per request.
- **latency against concurrency**: closed loop, \`wrk -t1 -c1\` and \`-c256\`, 5 s each (\`--quick\`: 2 s), on
  direct, OpenSSH and tether (haproxy is left out); 32 users is the small-request phase. Figures: requests/s,
  p50 and p99 latency.
- **MJPEG viewers** (tether only): a third agent process, \`tether agent --simulate --count 10 --fps 1000\`:
  10 virtual cameras; \`--fps 1000\` is the camera's benchmark mode (\`UNPACED_FPS\` in
  \`apps/device-agent/src/virtual-camera/virtual-camera.options.ts\`): every stream sends frames as fast as the
  reader takes them, from 8 frames encoded once, so the figure is the path's and not the camera's 60 fps cap or
  its JPEG encoder's. 50 viewers (\`test/bench/mjpeg-worker.ts\`, a process of its own, one connection each,
  HTTP Basic auth), stream i from camera i mod 10: \`GET /axis-cgi/mjpg/video.cgi?resolution=1920x1080\`
  (12.7 KB frames) through the gateway, counted for 10 s (\`--quick\`: 5 s) after 1 s. Figures: total MB/s,
  frames/s (multipart boundaries counted as the bytes arrive), per-stream MB/s (slowest, median, fastest),
  slowest/median (~1 when every stream gets its share, ~0 when one starves; **goal: at least 0.1, no stream
  starves**; a stream refused or cut short counts as 0 MB/s there: its video stopped), the number of those,
  and the CPU of the gateway, the edge and the cameras' agent.
- **order and warm-up**: direct, haproxy, OpenSSH, each: small requests (after 1 s of the Node generator),
  1 and 256 users, download (after 1 s of 16 MiB downloads), upload (after 1 s of 16 MiB uploads), the fixed
  rate; each baseline is stopped after its phases. Then tether: warmed up (5 s, \`--quick\` 3 s, of small
  requests from the Node generator: the JIT of three Node processes needs that), download after 2 s of 16 MiB
  downloads, upload after 2 s of 16 MiB uploads, the fixed rate, small requests after 2 s more of warm-up,
  1 and 256 users, and MJPEG last (after a probe that the path answers; its agent is started for it and
  stopped after). Warm-ups use the Node generator because it lets its last requests finish, while wrk stops
  with its requests in flight, and the tether path has recovered slowly from aborted requests (see
  Observations): wrk through tether comes after the other phases. \`--quick\` takes about 75 s in all.
- **goals** (from \`PERFORMANCE.md\`): tether at least 1.0x the OpenSSH tunnel for small requests/s, bulk
  download and bulk upload; and on tether's own figures: added p99 at 1,000 req/s at most 5 ms, slowest MJPEG
  stream at least 0.1 of the median. Each of those rows prints its goal and whether this run met it; the line
  "goals met" above the table counts them.
- **plots**: each run writes \`docs/plots/*.svg\` (\`test/bench/svg-plot.ts\`, no dependencies) and shows them
  under its table: throughput per path, the latency CDF of the fixed-rate phase, latency against concurrency,
  and the edge's RSS and idle CPU against devices from the fleet bench's \`docs/fleet-latest.json\`.
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
npm run bench                  # full run (~4 min), writes the table under "Latest run" and docs/plots/*.svg
npm run bench -- --quick       # short phases (~75 s; ~20 s more when it installs packages)
npm run bench -- --quick --only latency,mjpeg   # some phases only (prints, writes nothing)
npm run bench:presence         # presence lookups with 100,000 devices (~3 min; -- --quick ~1 min)
npm run test:bench             # the bench's own unit specs
\`\`\`

Flags: \`--quick\`, \`--only small,bulk,upload,latency,concurrency,mjpeg\` (those phases; print only),
\`--generator wrk|node\`, \`--origin nginx|node\`, \`--no-install\` (do not try \`apt-get install\`),
\`--no-baselines\` (direct and tether only), \`--no-write\` (print only). The bench stops
everything it started, also on error or Ctrl-C; every load loop is bounded in time and count.

Shared machines are noisy: absolute figures move by tens of percent between runs (see the noise rows); the
ratios measured in one run (tether/OpenSSH, tether/direct, and the CPU split) are what to trust.
`;
}

/** Replaces the table between the markers (or creates the doc); the hand-written parts stay as they are. */
export function writeDoc(path: string, info: RunInfo, rows: Row[]): void {
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : template(info);
  const block = latestRun(info, rows);
  writeFileSync(path, doc.includes(START) || doc.includes(END) ? withSection(doc, START, END, block) : `${doc.trimEnd()}\n\n## Latest run\n\n${block}\n`);
}

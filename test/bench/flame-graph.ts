// A V8 CPU profile (`.cpuprofile`, what --cpu-prof and the inspector's Profiler write) as a flame graph in SVG
// (no dependencies) and as self time by kind of work. Pure functions: profile in, tree, table or SVG text out.
import { escapeXml } from './svg-plot';

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export type Kind = 'writes' | 'native' | 'node' | 'tether' | 'ssh2' | 'grpc' | 'metrics' | 'gc' | 'other';

/** The kinds of work, in the order the tables list them, with their colour in the graphs. */
export const KINDS: Record<Kind, { label: string; color: string }> = {
  writes: { label: 'socket writes (`writeBuffer`/`writev`: TLS encryption, HTTP/2 framing, the send system call)', color: '#e4572e' },
  native: { label: 'V8 and native internals (`(program)`: libuv, the C++ side of streams and TLS)', color: '#f3a712' },
  node: { label: "Node's streams, events, net, timers, buffers (JavaScript)", color: '#a8c686' },
  tether: { label: "tether's own code", color: '#29335c' },
  ssh2: { label: 'ssh2 (packet parsing, AES-GCM in its native binding)', color: '#669bbc' },
  grpc: { label: 'grpc-js', color: '#8e6c8a' },
  metrics: { label: 'prom-client', color: '#b5838d' },
  gc: { label: 'GC', color: '#6d6875' },
  other: { label: 'other packages', color: '#9a8c98' },
};

/** Functions without a script whose time is a write to a stream (the JS side calls them on the native handle). */
const WRITE_FUNCTIONS = new Set(['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

export function kindOf(functionName: string, url: string): Kind {
  if (functionName === '(garbage collector)') return 'gc';
  if (!url) return WRITE_FUNCTIONS.has(functionName) ? 'writes' : 'native';
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/node_modules/')) {
    if (url.includes('/node_modules/ssh2/')) return 'ssh2';
    if (url.includes('/node_modules/@grpc/')) return 'grpc';
    if (url.includes('/node_modules/prom-client/')) return 'metrics';
    return 'other';
  }
  return /\/dist\/(apps|libs)\//.test(url) ? 'tether' : 'other';
}

export interface Frame {
  name: string;
  /** Script and line, shortened (`ssh2/lib/protocol/Protocol.js:462`); empty for native frames. */
  where: string;
  kind: Kind;
  /** Time on the stack (µs), this frame and what it called. */
  total: number;
  /** Time at the top of the stack (µs). */
  self: number;
  children: Frame[];
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, '');
}

/**
 * The profile's call tree with the idle time left out and frames of the same function (name, script, line)
 * under the same caller merged; children sorted by name, so equal profiles draw alike.
 */
export function flameTree(p: CpuProfile): Frame {
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const childIds = new Set(p.nodes.flatMap((n) => n.children ?? []));
  const root: Frame = { name: 'all', where: '', kind: 'native', total: 0, self: 0, children: [] };
  const add = (id: number, into: Frame): void => {
    const n = byId.get(id);
    if (!n) return;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') return;
    let frame = into;
    if (functionName !== '(root)') {
      const name = functionName || '(anonymous)';
      const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
      frame = into.children.find((c) => c.name === name && c.where === where) as Frame;
      if (!frame) into.children.push((frame = { name, where, kind: kindOf(functionName, url), total: 0, self: 0, children: [] }));
      frame.self += self.get(id) ?? 0;
    }
    for (const c of n.children ?? []) add(c, frame);
  };
  for (const n of p.nodes) if (!childIds.has(n.id)) add(n.id, root);
  const sum = (f: Frame): number => {
    f.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.where < b.where ? -1 : 1));
    return (f.total = f.self + f.children.reduce((s, c) => s + sum(c), 0));
  };
  sum(root);
  return root;
}

/** Self time (µs) by kind of work. */
export function selfByKind(root: Frame): Record<Kind, number> {
  const out = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0])) as Record<Kind, number>;
  const walk = (f: Frame): void => {
    if (f !== root) out[f.kind] += f.self;
    f.children.forEach(walk);
  };
  walk(root);
  return out;
}

export interface FlamePanel {
  title: string;
  root: Frame;
}

const WIDTH = 1200;
const ROW = 16;
const PAD = 10;
const CHAR_W = 6.2;
const MAX_DEPTH = 48;

/**
 * Flame graphs of several processes in one SVG (icicle layout: callers above what they call), on one time
 * scale: the busiest panel spans the full width, so the widths compare across panels. Every frame carries a
 * tooltip (name, script, time, share of its panel); frames narrower than a third of a pixel are left out.
 */
export function flameSvg(title: string, panels: FlamePanel[], note?: string): string {
  const usPerPx = Math.max(1, ...panels.map((p) => p.root.total)) / (WIDTH - 2 * PAD);
  const parts: string[] = [];
  let y = PAD + 20;
  for (const panel of panels) {
    const panelTotal = Math.max(1, panel.root.total);
    parts.push(`<text x="${PAD}" y="${y + 12}" class="h">${escapeXml(panel.title)}</text>`);
    y += 20;
    let depth = 0;
    const draw = (f: Frame, x: number, d: number): void => {
      const w = f.total / usPerPx;
      if (w < 0.33 || d >= MAX_DEPTH) return;
      depth = Math.max(depth, d + 1);
      const ry = y + d * ROW;
      const tip = `${f.name}${f.where ? ` (${f.where})` : ''}: ${(f.total / 1000).toFixed(1)} ms, ${((f.total / panelTotal) * 100).toFixed(1)} %` + (f.self ? `; self ${(f.self / 1000).toFixed(1)} ms` : '');
      const color = f === panel.root ? '#d9d9d9' : KINDS[f.kind].color;
      const chars = Math.floor((w - 4) / CHAR_W);
      const label = chars >= 3 ? (f.name.length > chars ? `${f.name.slice(0, chars - 1)}…` : f.name) : '';
      parts.push(
        `<g><title>${escapeXml(tip)}</title><rect x="${(PAD + x).toFixed(2)}" y="${ry}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${color}"/>` +
          (label ? `<text x="${(PAD + x + 2).toFixed(2)}" y="${ry + 11.5}"${f.kind === 'tether' || f.kind === 'gc' ? ' class="w"' : ''}>${escapeXml(label)}</text>` : '') +
          '</g>',
      );
      let cx = x;
      for (const c of f.children) {
        draw(c, cx, d + 1);
        cx += c.total / usPerPx;
      }
    };
    draw(panel.root, 0, 0);
    y += depth * ROW + 14;
  }
  // Legend: one swatch per kind, in rows of three.
  const kinds = Object.entries(KINDS) as Array<[Kind, { label: string; color: string }]>;
  kinds.forEach(([, k], i) => {
    const lx = PAD + (i % 3) * 400;
    const ly = y + Math.floor(i / 3) * 16;
    const short = k.label.replace(/ \(.*$/, '');
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${k.color}"/><text x="${lx + 16}" y="${ly + 10.5}">${escapeXml(short)}</text>`);
  });
  y += Math.ceil(kinds.length / 3) * 16 + 4;
  if (note) {
    parts.push(`<text x="${PAD}" y="${y + 10}" class="n">${escapeXml(note)}</text>`);
    y += 16;
  }
  const height = y + PAD;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
    '<style>text{fill:#111}.w{fill:#fff}.h{font-size:13px;font-weight:bold}.t{font-size:15px;font-weight:bold}.n{fill:#555}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${PAD}" y="${PAD + 12}" class="t">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

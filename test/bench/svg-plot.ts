// A tiny SVG plotter for the bench's figures (no dependencies): a figure is a row of panels, each a line plot
// (linear or log axes) or a bar chart, under one title and one legend. Pure functions: data in, SVG text out.

export interface Axis {
  label: string;
  log?: boolean;
  /** Bounds of the axis; by default from the data (linear axes start at 0 when the data is not negative). */
  min?: number;
  max?: number;
}

export interface Series {
  name: string;
  points: Array<[number, number]>;
  color: string;
  dash?: boolean;
  /** Dots on the points (default: when there are at most 12). */
  markers?: boolean;
}

export interface LinePanel {
  kind: 'line';
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
}

export interface Bar {
  name: string;
  /** Undefined: no bar, the label says "—". */
  value: number | undefined;
  color: string;
}

export interface BarPanel {
  kind: 'bar';
  title: string;
  y: Axis;
  bars: Bar[];
}

export type Panel = LinePanel | BarPanel;

export interface LegendEntry {
  name: string;
  color: string;
  dash?: boolean;
}

export interface Figure {
  title: string;
  panels: Panel[];
  legend?: LegendEntry[];
  /** A line of small print under the panels (source, method). */
  note?: string;
}

const PANEL_W = 360;
const PANEL_H = 270;
const M = { left: 62, right: 18, top: 30, bottom: 46 };
const TITLE_H = 30;
const LEGEND_H = 24;
const NOTE_H = 20;
const FONT = 'font-family="Helvetica,Arial,sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short label for a tick or a value: 0.05, 1.5, 250, 12k, 1.2M. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  if (a >= 100 || a === 0) return String(Math.round(v));
  return trim(v);
}

function trim(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Evenly spaced round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9 && out.length < 50; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < max - step * 1e-9) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

/** Ticks of a log axis: 1, 2, 5 per decade when it spans at most 3 decades, else one per decade. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let d = lo; d <= hi; d++)
    for (const m of steps) {
      const v = Number((m * 10 ** d).toPrecision(12));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  return out;
}

/** The axis range of `values`: log axes widen to 1-2-5 steps, linear ones to round ticks from 0 or below. */
export function axisRange(values: number[], axis: Axis): [number, number] {
  const vals = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let lo = axis.min ?? (vals.length ? Math.min(...vals) : axis.log ? 1 : 0);
  let hi = axis.max ?? (vals.length ? Math.max(...vals) : lo + 1);
  if (axis.log) {
    if (axis.min === undefined) lo = roundLog(lo, 'down');
    if (axis.max === undefined) hi = roundLog(hi, 'up');
    if (!(hi > lo)) hi = lo * 10;
    return [lo, hi];
  }
  if (axis.min === undefined && lo > 0) lo = 0;
  if (!(hi > lo)) hi = lo + 1;
  if (axis.max === undefined) hi = niceTicks(lo, hi).slice(-1)[0];
  return [lo, hi];
}

function roundLog(v: number, dir: 'up' | 'down'): number {
  const d = 10 ** Math.floor(Math.log10(v));
  const steps = [1, 2, 5, 10].map((m) => m * d);
  return dir === 'down' ? [...steps].reverse().find((s) => s <= v * (1 + 1e-9))! : steps.find((s) => s >= v * (1 - 1e-9))!;
}

/** Maps `v` in [lo, hi] to [a, b] (pixels), on a log scale when asked. */
export function scale(v: number, [lo, hi]: [number, number], [a, b]: [number, number], log = false): number {
  const t = log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  return a + t * (b - a);
}

const px = (v: number) => Number(v.toFixed(1));

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}" ${attrs}>${escapeXml(s)}</text>`;
}

function frame(title: string, x0: number, y0: number): { plot: [number, number, number, number]; parts: string[] } {
  const plot: [number, number, number, number] = [x0 + M.left, y0 + M.top, x0 + PANEL_W - M.right, y0 + PANEL_H - M.bottom];
  return { plot, parts: [text(x0 + PANEL_W / 2, y0 + 18, title, 'text-anchor="middle" font-size="13" font-weight="bold"')] };
}

function yAxis(parts: string[], plot: number[], range: [number, number], axis: Axis): void {
  const [l, t, r, b] = plot;
  const ticks = axis.log ? logTicks(range[0], range[1]) : niceTicks(range[0], range[1]);
  for (const v of ticks) {
    const y = scale(v, range, [b, t], axis.log);
    parts.push(`<line x1="${l}" y1="${px(y)}" x2="${r}" y2="${px(y)}" stroke="#e3e3e3"/>`);
    parts.push(text(l - 6, y + 4, formatNumber(v), 'text-anchor="end" font-size="11" fill="#444"'));
  }
  parts.push(text(l - 46, (t + b) / 2, axis.label, `text-anchor="middle" font-size="11" transform="rotate(-90 ${px(l - 46)} ${px((t + b) / 2)})"`));
  parts.push(`<line x1="${l}" y1="${t}" x2="${l}" y2="${b}" stroke="#888"/>`, `<line x1="${l}" y1="${b}" x2="${r}" y2="${b}" stroke="#888"/>`);
}

function linePanel(p: LinePanel, x0: number, y0: number): string[] {
  const { plot, parts } = frame(p.title, x0, y0);
  const [l, t, r, b] = plot;
  const ok = (axis: Axis, v: number) => Number.isFinite(v) && (!axis.log || v > 0);
  const pts = p.series.flatMap((s) => s.points.filter(([x, y]) => ok(p.x, x) && ok(p.y, y)));
  const xr = axisRange(pts.map(([x]) => x), p.x);
  const yr = axisRange(pts.map(([, y]) => y), p.y);
  yAxis(parts, plot, yr, p.y);
  const xticks = p.x.log ? logTicks(xr[0], xr[1]) : niceTicks(xr[0], xr[1]);
  for (const v of xticks) {
    const x = scale(v, xr, [l, r], p.x.log);
    parts.push(`<line x1="${px(x)}" y1="${t}" x2="${px(x)}" y2="${b}" stroke="#eeeeee"/>`);
    parts.push(text(x, b + 15, formatNumber(v), 'text-anchor="middle" font-size="11" fill="#444"'));
  }
  parts.push(text((l + r) / 2, b + 34, p.x.label, 'text-anchor="middle" font-size="11"'));
  const clamp = (v: number, a: number, c: number) => Math.min(Math.max(v, Math.min(a, c)), Math.max(a, c));
  for (const s of p.series) {
    const xy = s.points
      .filter(([x, y]) => ok(p.x, x) && ok(p.y, y))
      .map(([x, y]) => [clamp(scale(x, xr, [l, r], p.x.log), l, r), clamp(scale(y, yr, [b, t], p.y.log), t, b)]);
    if (!xy.length) continue;
    const dash = s.dash ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${xy.map(([x, y]) => `${px(x)},${px(y)}`).join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`);
    if (s.markers ?? xy.length <= 12) for (const [x, y] of xy) parts.push(`<circle cx="${px(x)}" cy="${px(y)}" r="3" fill="${s.color}"/>`);
  }
  return parts;
}

function barPanel(p: BarPanel, x0: number, y0: number): string[] {
  const { plot, parts } = frame(p.title, x0, y0);
  const [l, , r, b] = plot;
  const yr = axisRange(p.bars.map((x) => x.value ?? NaN), { ...p.y, log: false });
  yAxis(parts, plot, yr, { ...p.y, log: false });
  const slot = (r - l) / Math.max(1, p.bars.length);
  p.bars.forEach((bar, i) => {
    const cx = l + slot * (i + 0.5);
    parts.push(text(cx, b + 15, bar.name, 'text-anchor="middle" font-size="11" fill="#444"'));
    if (bar.value === undefined || !Number.isFinite(bar.value)) {
      parts.push(text(cx, b - 6, '—', 'text-anchor="middle" font-size="11" fill="#888"'));
      return;
    }
    const y = scale(Math.max(bar.value, yr[0]), yr, [b, plot[1]]);
    const w = slot * 0.6;
    parts.push(`<rect x="${px(cx - w / 2)}" y="${px(y)}" width="${px(w)}" height="${px(b - y)}" fill="${bar.color}"><title>${escapeXml(`${bar.name}: ${bar.value}`)}</title></rect>`);
    parts.push(text(cx, y - 5, formatNumber(bar.value), 'text-anchor="middle" font-size="11"'));
  });
  return parts;
}

function legend(entries: LegendEntry[], y: number): string[] {
  const parts: string[] = [];
  let x = 16;
  for (const e of entries) {
    const dash = e.dash ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${e.color}" stroke-width="3"${dash}/>`);
    parts.push(text(x + 28, y + 4, e.name, 'font-size="12"'));
    x += 40 + e.name.length * 6.6;
  }
  return parts;
}

/** The whole figure as an SVG document. */
export function svgFigure(f: Figure): string {
  const width = PANEL_W * Math.max(1, f.panels.length);
  const legendH = f.legend?.length ? LEGEND_H : 0;
  const top = TITLE_H + legendH;
  const height = top + PANEL_H + (f.note ? NOTE_H : 0);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(width / 2, 20, f.title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    ...(f.legend?.length ? legend(f.legend, TITLE_H + 8) : []),
    ...f.panels.flatMap((p, i) => (p.kind === 'line' ? linePanel(p, i * PANEL_W, top) : barPanel(p, i * PANEL_W, top))),
    ...(f.note ? [text(10, height - 6, f.note, 'font-size="10" fill="#666"')] : []),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

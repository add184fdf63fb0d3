import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * `doc` with the part from `start` to `end` (markers included) replaced by `block`, which carries the markers
 * itself. Without the markers the block goes before the first line starting with `before`, else at the end;
 * with only one of them it throws.
 */
export function withSection(doc: string, start: string, end: string, block: string, before?: string): string {
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a >= 0 && b > a) return doc.slice(0, a) + block + doc.slice(b + end.length);
  // One marker alone (a hand edit): any guess would rewrite the wrong part of the doc, or leave two sections.
  if (a >= 0 || b >= 0) throw new Error(`the doc has ${a >= 0 ? start : end} but no ${a >= 0 ? end : start} after it: mend the markers`);
  const at = before ? doc.indexOf(`\n${before}`) : -1;
  return at >= 0 ? `${doc.slice(0, at)}\n${block}\n${doc.slice(at)}` : `${doc.trimEnd()}\n\n${block}\n`;
}

/** Rewrites that section of the Markdown file at `path` (created with a `# Benchmarks` title when missing). */
export function writeSection(path: string, start: string, end: string, block: string, before?: string): void {
  const doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, withSection(doc, start, end, block, before));
}

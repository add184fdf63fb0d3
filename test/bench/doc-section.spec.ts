import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSection } from './doc-section';
import { END, RunInfo, START, writeDoc } from './bench-table';

const S = '<!-- x:start -->';
const E = '<!-- x:end -->';
const block = `${S}\nnew\n${E}`;

describe('withSection', () => {
  it('replaces the part between the markers, markers included, and keeps the rest', () => {
    const doc = `# T\n\nbefore\n${S}\nold\nold\n${E}\nafter\n`;
    assert.equal(withSection(doc, S, E, block), `# T\n\nbefore\n${block}\nafter\n`);
  });

  it('without markers puts the block before the first line starting with `before`', () => {
    assert.equal(withSection('# T\n\n## A\n\n## B\n', S, E, block, '## B'), `# T\n\n## A\n\n${block}\n\n## B\n`);
  });

  it('without markers, and no such line, appends the block at the end', () => {
    assert.equal(withSection('# T\n\ntext\n\n', S, E, block, '## Missing'), `# T\n\ntext\n\n${block}\n`);
  });

  it('refuses a doc with one marker alone, naming the missing one, rather than rewrite the wrong part', () => {
    assert.throws(() => withSection(`# T\n${S}\nold\n`, S, E, block), new RegExp(`has ${S} but no ${E}`));
    assert.throws(() => withSection(`# T\nold\n${E}\n`, S, E, block), new RegExp(`has ${E} but no ${S}`));
  });
});

describe('writeDoc (the request path table)', () => {
  const info: RunInfo = {
    date: '2026-11-23T20:00:00Z',
    mode: 'quick',
    machine: { cores: 2, memoryGiB: 24, node: 'v20', cpu: 'test', kernel: '' },
    generator: 'wrk',
    origin: 'nginx',
    uploadOrigin: 'node',
    path: 'gateway -> edge -> agent',
    baselines: [],
    goals: '0 of 0',
    notes: [],
  };

  it('adds the table under a "## Latest run" heading to a doc without markers, and rewrites only the table after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-section-'));
    try {
      const path = join(dir, 'benchmarks.md');
      writeFileSync(path, '# Benchmarks\n\nhand-written\n');
      writeDoc(path, info, []);
      const first = readFileSync(path, 'utf8');
      assert.match(first, new RegExp(`hand-written\\n\\n## Latest run\\n\\n${START}[^]*${END}\\n$`));
      writeFileSync(path, first + '\nmore hand-written\n');
      writeDoc(path, info, []);
      const second = readFileSync(path, 'utf8');
      assert.equal(second.match(/## Latest run/g)?.length, 1);
      assert.match(second, /more hand-written\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

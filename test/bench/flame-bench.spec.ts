import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { FLAME_END, FLAME_START, flameSection, PhaseProfile, phaseTable } from './flame-bench';
import type { Frame, Kind } from './flame-graph';

/** A hop whose busy time is the given self times (µs), one frame per kind under the root. */
function hop(self: Partial<Record<Kind, number>>): Frame {
  const children = Object.entries(self).map(([kind, us]) => ({ name: kind, where: '', kind: kind as Kind, total: us, self: us, children: [] }));
  return { name: 'all', where: '', kind: 'native', total: children.reduce((s, c) => s + c.total, 0), self: 0, children };
}

const small: PhaseProfile = {
  name: 'small',
  title: 'small requests',
  work: 1000,
  unit: 'request',
  seconds: 10,
  trees: { gateway: hop({ writes: 6000, tether: 4000 }), edge: hop({ ssh2: 2000 }), agent: hop({ writes: 1500, gc: 500 }) },
};

describe('flame bench report', () => {
  it('gives each hop its busy time per request and each kind its share and µs', () => {
    const lines = phaseTable(small).split('\n');
    assert.equal(lines[0], '| where (share · µs per request) | gateway (10.0 µs) | edge (2.0 µs) | agent (2.0 µs) |');
    assert.ok(lines.some((l) => l.startsWith('| socket writes') && l.endsWith('| 60 % · 6.0 | — | 75 % · 1.5 |')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith("| tether's own code |") && l.endsWith('| 40 % · 4.0 | — | — |')));
    assert.ok(lines.some((l) => l.startsWith('| GC |') && l.endsWith('| — | — | 25 % · 0.5 |')));
  });

  it('gives bulk phases CPU milliseconds per GB', () => {
    const bulk: PhaseProfile = { ...small, name: 'download', unit: 'GB', work: 5e8, trees: { ...small.trees, edge: hop({ ssh2: 1_000_000 }) } };
    const lines = phaseTable(bulk).split('\n');
    assert.equal(lines[0], '| where (share · CPU ms per GB) | gateway (20 ms) | edge (2000 ms) | agent (4 ms) |');
    assert.ok(lines.some((l) => l.startsWith('| ssh2') && l.endsWith('| — | 100 % · 2000 | — |')));
  });

  it('writes a section between its markers that shows each phase graph', () => {
    const s = flameSection([small, { ...small, name: 'upload', title: 'bulk upload', unit: 'GB', work: 512 * 2 ** 20 }], 'm', '2026-11-23T18:00Z', false);
    assert.ok(s.startsWith(FLAME_START) && s.endsWith(FLAME_END));
    assert.ok(s.includes('**small requests** (1,000 requests in 10.0 s):'));
    assert.ok(s.includes('**bulk upload** (512 MiB in 10.0 s):'));
    assert.ok(s.includes('![flame graphs, small requests](plots/flame-small.svg)'));
    assert.ok(s.includes('![flame graphs, bulk upload](plots/flame-upload.svg)'));
  });
});

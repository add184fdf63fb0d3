import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CpuProfile, flameSvg, flameTree, kindOf, selfByKind } from './flame-graph';

const F = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const TETHER = 'file:///repo/dist/apps/gateway/src/proxy/proxy.connection.js';
const SSH2 = 'file:///repo/node_modules/ssh2/lib/protocol/Protocol.js';

/**
 * (root) ─┬─ (idle)
 *         ├─ onStreamRead (node:) ─┬─ onDeviceData (tether) ─ writeBuffer
 *         │                        └─ parsePacket (ssh2)
 *         ├─ onStreamRead (node:, same function again as a second V8 node) ─ onDeviceData
 *         └─ (garbage collector)
 */
function profile(): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: F('(root)'), children: [2, 3, 7, 9] },
      { id: 2, callFrame: F('(idle)') },
      { id: 3, callFrame: F('onStreamRead', 'node:internal/stream_base_commons', 167), children: [4, 6] },
      { id: 4, callFrame: F('onDeviceData', TETHER, 453), children: [5] },
      { id: 5, callFrame: F('writeBuffer') },
      { id: 6, callFrame: F('parsePacket', SSH2, 2026) },
      { id: 7, callFrame: F('onStreamRead', 'node:internal/stream_base_commons', 167), children: [8] },
      { id: 8, callFrame: F('onDeviceData', TETHER, 453) },
      { id: 9, callFrame: F('(garbage collector)') },
    ],
    // idle 1000, onStreamRead 100 + 50, onDeviceData 200 + 300, writeBuffer 400, parsePacket 250, GC 75
    samples: [2, 3, 4, 5, 6, 7, 8, 9, 3],
    timeDeltas: [1000, 100, 200, 400, 250, 50, 300, 75, 0],
    startTime: 0,
    endTime: 2375,
  };
}

describe('flame graph of a CPU profile', () => {
  it('sorts frames into kinds of work by their script', () => {
    assert.equal(kindOf('writev', ''), 'writes');
    assert.equal(kindOf('(program)', ''), 'native');
    assert.equal(kindOf('(garbage collector)', ''), 'gc');
    assert.equal(kindOf('emit', 'node:events'), 'node');
    assert.equal(kindOf('onDeviceData', TETHER), 'tether');
    assert.equal(kindOf('flush', 'file:///repo/dist/libs/protocol/src/link/link.writer.js'), 'tether');
    assert.equal(kindOf('parsePacket', SSH2), 'ssh2');
    assert.equal(kindOf('sendMessage', 'file:///repo/node_modules/@grpc/grpc-js/build/src/server-interceptors.js'), 'grpc');
    assert.equal(kindOf('inc', 'file:///repo/node_modules/prom-client/lib/counter.js'), 'metrics');
    assert.equal(kindOf('x', 'file:///repo/node_modules/ioredis/built/Redis.js'), 'other');
  });

  it('leaves the idle time out and merges calls of one function under one caller', () => {
    const root = flameTree(profile());
    assert.equal(root.total, 1375);
    assert.deepEqual(
      root.children.map((c) => [c.name, c.total, c.self]),
      [
        ['(garbage collector)', 75, 75],
        ['onStreamRead', 1300, 150],
      ],
    );
    const read = root.children[1];
    assert.equal(read.where, 'node:internal/stream_base_commons:168');
    assert.deepEqual(
      read.children.map((c) => [c.name, c.where, c.total, c.self]),
      [
        ['onDeviceData', 'apps/gateway/src/proxy/proxy.connection.js:454', 900, 500],
        ['parsePacket', 'ssh2/lib/protocol/Protocol.js:2027', 250, 250],
      ],
    );
    assert.deepEqual(read.children[0].children.map((c) => [c.name, c.kind, c.total]), [['writeBuffer', 'writes', 400]]);
  });

  it('adds up self time by kind, to the busy time', () => {
    const by = selfByKind(flameTree(profile()));
    assert.deepEqual(by, { writes: 400, native: 0, node: 150, tether: 500, ssh2: 250, grpc: 0, metrics: 0, gc: 75, other: 0 });
    assert.equal(Object.values(by).reduce((a, b) => a + b, 0), 1375);
  });

  it('draws every frame on one time scale across panels, with its time in a tooltip', () => {
    const busy = flameTree(profile());
    const half = flameTree({ ...profile(), timeDeltas: profile().timeDeltas.map((d) => d / 2) });
    const svg = flameSvg('small requests', [
      { title: 'gateway', root: busy },
      { title: 'edge <&>', root: half },
    ]);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.includes('edge &lt;&amp;&gt;'), 'titles are escaped');
    const widths = [...svg.matchAll(/<title>all: [^<]*<\/title><rect x="[\d.]+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(widths.length, 2);
    assert.ok(Math.abs(widths[0] - 2 * widths[1]) < 0.02, `the second panel is half as wide: ${widths}`);
    // 1 root + 5 frames per panel, each a rect with a tooltip; plus the legend's 9 swatches.
    assert.equal((svg.match(/<title>/g) ?? []).length, 12);
    assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 12 + 9);
    assert.ok(svg.includes('<title>parsePacket (ssh2/lib/protocol/Protocol.js:2027): 0.3 ms, 18.2 %; self 0.3 ms</title>'));
  });

  it('leaves out frames too narrow to see', () => {
    const p = profile();
    p.timeDeltas = [0, 1e6, 200, 400, 250, 50, 300, 75, 0]; // onStreamRead's own time dwarfs the rest
    const svg = flameSvg('t', [{ title: 'one', root: flameTree(p) }]);
    assert.ok(svg.includes('<title>onStreamRead'));
    assert.ok(!svg.includes('<title>(garbage collector)'), '75 µs of 1 s is under a third of a pixel');
  });
});

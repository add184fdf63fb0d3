import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { axisRange, escapeXml, formatNumber, logTicks, niceTicks, scale, svgFigure } from './svg-plot';

describe('svg-plot axes', () => {
  it('picks round linear ticks that cover the range', () => {
    assert.deepEqual(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(niceTicks(0, 7), [0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(0, 0.9), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(3, 3), [3]);
  });

  it('puts 1-2-5 ticks on short log axes and decades on long ones', () => {
    assert.deepEqual(logTicks(0.1, 10), [0.1, 0.2, 0.5, 1, 2, 5, 10]);
    assert.deepEqual(logTicks(1, 1e6), [1, 10, 100, 1000, 1e4, 1e5, 1e6]);
    assert.deepEqual(logTicks(0, 10), []);
  });

  it('widens ranges to round bounds, linear from 0', () => {
    assert.deepEqual(axisRange([3, 87], { label: '' }), [0, 100]);
    assert.deepEqual(axisRange([0.13, 42], { label: '', log: true }), [0.1, 50]);
    assert.deepEqual(axisRange([-1, 0, 5], { label: '', log: true }), [5, 50]);
    assert.deepEqual(axisRange([], { label: '' }), [0, 1]);
    assert.deepEqual(axisRange([5, 6], { label: '', min: 1, max: 2 }), [1, 2]);
  });

  it('maps values to pixels, also on log scales', () => {
    assert.equal(scale(5, [0, 10], [100, 200]), 150);
    assert.equal(scale(10, [1, 100], [0, 300], true), 150);
    assert.equal(scale(0, [0, 10], [250, 50]), 250);
  });

  it('formats numbers short', () => {
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(0.05), '0.05');
    assert.equal(formatNumber(250), '250');
    assert.equal(formatNumber(12_500), '12.5k');
    assert.equal(formatNumber(2_000_000), '2M');
    assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  });
});

describe('svgFigure', () => {
  it('draws one polyline per series with its points, skipping what a log axis cannot show', () => {
    const svg = svgFigure({
      title: 'Latency <CDF>',
      legend: [{ name: 'tether', color: '#d62728' }],
      panels: [
        {
          kind: 'line',
          title: 'p',
          x: { label: 'ms', log: true },
          y: { label: 'fraction', min: 0, max: 1 },
          series: [
            { name: 'direct', color: '#000', points: [[0.1, 0.5], [0.2, 1]] },
            { name: 'tether', color: '#d62728', dash: true, points: [[0, 0.1], [1, 0.5], [2, 0.9], [4, 1]] },
          ],
        },
      ],
    });
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.ok(svg.includes('Latency &lt;CDF&gt;'));
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1].split(' ').length);
    assert.deepEqual(lines, [2, 3]);
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 1);
    assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'));
  });

  it('draws a bar per value, a dash for a missing one, and panels side by side', () => {
    const svg = svgFigure({
      title: 't',
      panels: [
        { kind: 'bar', title: 'a', y: { label: 'req/s' }, bars: [{ name: 'direct', value: 100, color: '#111' }, { name: 'ssh', value: undefined, color: '#222' }] },
        { kind: 'bar', title: 'b', y: { label: 'MB/s' }, bars: [{ name: 'direct', value: 5, color: '#111' }] },
      ],
      note: 'source',
    });
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 2);
    assert.ok(svg.includes('>—</text>'));
    assert.ok(svg.includes('width="720"'));
    const heights = [...svg.matchAll(/<rect x="[^"]*" y="[^"]*" width="[^"]*" height="([^"]*)"/g)].map((m) => Number(m[1]));
    assert.ok(heights.every((h) => h > 100), `bars reach their value: ${heights}`);
    assert.ok(!svg.includes('NaN'));
  });
});

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { concurrencyFigure, fleetFigure, latencyCdfFigure, throughputFigure } from './bench-plots';
import type { RateResult } from './rate-generator';
import type { LinePanel } from './svg-plot';

const rate = (cdf: Array<[number, number]>) => ({ cdf }) as RateResult;

describe('bench plots', () => {
  it('draws a CDF line per measured path and leaves F = 1 out of the log tail', () => {
    const f = latencyCdfFigure(1000, 3, { direct: rate([[0.1, 0.5], [0.2, 1]]), tether: rate([[1, 0.9], [5, 0.999], [9, 1]]) })!;
    assert.deepEqual(f.legend!.map((l) => l.name), ['direct', 'tether']);
    const [cdf, tail] = f.panels as LinePanel[];
    assert.equal(cdf.series.length, 2);
    assert.deepEqual(tail.series[1].points.map(([ms]) => ms), [1, 5]);
    assert.ok(Math.abs(tail.series[1].points[1][1] - 0.001) < 1e-12);
    assert.equal(latencyCdfFigure(1000, 3, {}), undefined);
  });

  it('sorts concurrency points and plots p99 dashed', () => {
    const r = (rps: number) => ({ requests: 1, rps, non2xx: 0, errors: 0, p50Ms: 1, p99Ms: 2 });
    const f = concurrencyFigure({ tether: { 256: r(3), 1: r(1), 32: r(2) } })!;
    const [rps, lat] = f.panels as LinePanel[];
    assert.deepEqual(rps.series[0].points, [[1, 1], [32, 2], [256, 3]]);
    assert.deepEqual(lat.series.map((s) => !!s.dash), [false, true]);
  });

  it('has a bar per path and metric, missing ones undefined', () => {
    const f = throughputFigure({ direct: { smallRps: 10, downloadMBps: 2 }, tether: { smallRps: 1 } }, 'n')!;
    assert.equal(f.panels.length, 3);
    const up = f.panels[2];
    assert.ok(up.kind === 'bar');
    assert.deepEqual(up.bars.map((b) => b.value), [undefined, undefined]);
  });

  it('reads the fleet JSON defensively and plots RSS from the baseline', () => {
    assert.equal(fleetFigure(undefined), undefined);
    assert.equal(fleetFigure({ stages: 'x' }), undefined);
    assert.equal(fleetFigure({ stages: [{ devices: 'a' }] }), undefined);
    const f = fleetFigure({ date: 'd', mode: 'full', baselineRssKiB: 1024, stages: [{ devices: 1000, rssKiB: 2048, cpuPercent: 2 }, { devices: 5000, rssKiB: 4096 }] })!;
    const [rss, cpu] = f.panels as LinePanel[];
    assert.deepEqual(rss.series[0].points, [[0, 1], [1000, 2], [5000, 4]]);
    assert.deepEqual(rss.series[1].points[1], [5000, (1024 + 40 * 5000) / 1024]);
    assert.deepEqual(cpu.series[0].points, [[1000, 2]]);
  });
});

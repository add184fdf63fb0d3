import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { FleetRun, StageResult, summaryRows } from './fleet-report';

function stage(over: Partial<StageResult> = {}): StageResult {
  return {
    devices: 10_000,
    onEdge0: 10_000,
    fellOver: 0,
    added: 5000,
    agents: 2,
    mintSeconds: 8,
    rampSeconds: 33,
    connectSeconds: 34,
    listenDrops: 0,
    rssKiB: 650_000,
    perDeviceKiB: 54.5,
    idleSeconds: 10,
    cpuWindows: [4, 5, 4.5],
    cpuWindowSeconds: 10,
    cpuPercent: 5,
    cpuAvgPercent: 4.5,
    cpuSeries1s: [4, 5],
    cpuMedian1sPercent: 4.5,
    agentsPercent: 10,
    othersPercent: 3,
    connectEdgeMsPerDevice: 2.8,
    heartbeats: 1,
    ...over,
  };
}

const run = (last: StageResult) =>
  ({
    devices: 10_000,
    agents: 5,
    mint: { devices: 10_000, agents: 5, seconds: 18, perDeviceMs: 3.2 },
    initialConnect: { devices: 10_000, rampSeconds: 66.7, connectSeconds: 67.7 },
    stages: [last],
    notes: [],
  }) as unknown as FleetRun;
const rssRows = (r: FleetRun) => summaryRows(r).filter((x) => x.figure.startsWith('edge RSS per idle device'));

describe('fleet summary: RSS per idle device', () => {
  it('a full run gives the RSS at 10 s idle and again after the CPU windows, each judged against the 40 KiB goal', () => {
    const rows = rssRows(run(stage({ perDeviceKiB: 54.5, settledPerDeviceKiB: 39.5, settledSeconds: 40 })));
    assert.deepEqual(
      rows.map((x) => [x.figure, x.value, x.goal, x.met]),
      [
        ['edge RSS per idle device at 10,000 devices (KiB)', '54.5', '≤ 40', '**no**'],
        ['edge RSS per idle device at 10,000 devices, 40 s idle (KiB)', '39.5', '≤ 40', 'yes'],
      ],
    );
  });

  it('a run without the settled reading (a quick run, or a JSON from before it) has the one row', () => {
    assert.equal(rssRows(run(stage())).length, 1);
  });
});

describe('fleet summary: the stack floor beside the edge', () => {
  const floor = (layer: 'ssh' | 'tls', kib: number, cpu: number) => ({
    layer,
    connections: 10_000,
    failed: 0,
    connectSeconds: 40,
    idleSeconds: 30,
    perConnectionKiB: kib,
    afterGc: {},
    cpuPercent: cpu,
    cpuMedian1sPercent: cpu - 1,
  });
  const floorRows = (r: FleetRun) => summaryRows(r).filter((x) => x.figure.startsWith('stack floor'));

  it('judges the bare stack against the same goals as the edge, and shows TLS alone without a goal', () => {
    const r = { ...run(stage()), floor: { ssh: floor('ssh', 56.6, 6.93), tls: floor('tls', 37.4, 2) } } as FleetRun;
    assert.deepEqual(
      floorRows(r).map((x) => [x.value, x.goal, x.met]),
      [
        ['56.6', '≤ 40', '**no**'],
        ['37.4', '', ''],
        ['6.93', '< 5', '**no**'],
        ['5.93', '', ''],
      ],
    );
    assert.match(floorRows(r)[0].figure, /nothing of tether.*10,000/);
  });

  it('a floor under the goals reads as met', () => {
    const r = { ...run(stage()), floor: { ssh: floor('ssh', 39.9, 4.9) } } as FleetRun;
    assert.deepEqual(
      floorRows(r).map((x) => x.met),
      ['yes', 'yes', ''],
    );
  });

  it('a run without the floor (a JSON from before it) has no floor rows', () => {
    assert.equal(floorRows(run(stage())).length, 0);
  });
});

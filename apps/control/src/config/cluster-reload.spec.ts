import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterNode, MemoryClusterBus } from '@tether/cluster';
import { LOG_LEVELS, Logger, systemClock } from '@tether/telemetry';
import { askCgi, controlDeps } from '../testing/control-deps.fixture';
import { RELOAD_CONFIG_TOPIC, reloadCluster } from './cluster-reload';
import { ConfigReloadResult } from './config-reload.port';
import { ReloadConfigCgi } from './reload-config.cgi';

const logger = new Logger({ level: LOG_LEVELS.nothing, sinks: [] });

describe('reloadCluster', () => {
  const nodes: ClusterNode[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  async function member(bus: MemoryClusterBus, role: string, answer: (() => ConfigReloadResult) | null) {
    const node = new ClusterNode({ bus, role, serverId: `${role}-${nodes.length}`, clock: systemClock, logger });
    if (answer) node.respond(RELOAD_CONFIG_TOPIC, answer);
    await node.start();
    nodes.push(node);
    return node;
  }

  it('asks every edge and gateway and reports who reloaded and who did not', async () => {
    const bus = new MemoryClusterBus();
    await member(bus, 'edge', () => ({ ok: true, notApplied: [] }));
    await member(bus, 'gateway', () => ({ ok: true, notApplied: ['keepalive'] }));
    const bad = await member(bus, 'edge', () => ({ ok: false, reason: 'edge.conf:2: keepalive: "x" is not a whole number' }));
    const mute = await member(bus, 'gateway', null);
    const report = await reloadCluster(bus, { deadlineMs: 300 });
    assert.equal(report.reloaded, 2);
    assert.deepEqual(
      report.failed.sort((a, b) => a.member.localeCompare(b.member)),
      [
        { member: bad.member.id, reason: 'edge.conf:2: keepalive: "x" is not a whole number' },
        { member: mute.member.id, reason: 'no answer in time' },
      ].sort((a, b) => a.member.localeCompare(b.member)),
    );
  });

  it('reports nothing to do when no other process is alive', async () => {
    assert.deepEqual(await reloadCluster(new MemoryClusterBus(), { deadlineMs: 100 }), { reloaded: 0, failed: [] });
  });
});

describe('reload_config.cgi across the cluster', () => {
  const localOk = { reload: () => ({ ok: true as const, notApplied: [] }) };

  it('answers 200 when control and every other process reloaded', async () => {
    const deps = controlDeps('', { reload: localOk, reloadOthers: async () => ({ reloaded: 3, failed: [] }) });
    const a = await askCgi(new ReloadConfigCgi(deps), '/admin/reload_config.cgi');
    assert.equal(a.status, 200);
    assert.ok(deps.lines.some((l) => l.includes('3 other process(es) reloaded, 0 did not')));
  });

  it('answers the reference 500 when another process reports an invalid file, and logs which', async () => {
    const deps = controlDeps('', {
      reload: localOk,
      reloadOthers: async () => ({ reloaded: 1, failed: [{ member: 'edge-1/edge/42/abcdef', reason: 'edge.conf:2: bad' }] }),
    });
    const a = await askCgi(new ReloadConfigCgi(deps), '/admin/reload_config.cgi');
    assert.equal(a.status, 500);
    assert.equal(a.body, 'Request failed. (Reason: Internal Server Error.)\n');
    assert.ok(deps.lines.some((l) => l.includes('[error]') && l.includes('edge-1/edge/42/abcdef did not reload: edge.conf:2: bad')));
  });

  it('still asks the others when control\'s own file is invalid, and answers 500', async () => {
    let asked = 0;
    const deps = controlDeps('', {
      reload: { reload: () => ({ ok: false as const, reason: 'control.conf:1: x: unknown key' }) },
      reloadOthers: async () => (asked++, { reloaded: 2, failed: [] }),
    });
    assert.equal((await askCgi(new ReloadConfigCgi(deps), '/admin/reload_config.cgi')).status, 500);
    assert.equal(asked, 1);
  });

  it('answers 500 when the bus cannot be used', async () => {
    const deps = controlDeps('', { reload: localOk, reloadOthers: async () => Promise.reject(new Error('Redis unavailable')) });
    assert.equal((await askCgi(new ReloadConfigCgi(deps), '/admin/reload_config.cgi')).status, 500);
    assert.ok(deps.lines.some((l) => l.includes('could not ask the other processes to reload: Redis unavailable')));
  });
});

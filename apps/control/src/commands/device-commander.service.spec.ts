import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TunnelError } from '@tether/protocol';
import { controlDeps } from '../testing/control-deps.fixture';
import { DeviceCommander } from './device-commander.service';

const MAC = '00408cdc8194';

async function withDevice(count = 1) {
  const deps = controlDeps();
  await deps.presence.announceEdge('edge-1', '10.0.0.2:7000');
  const { epoch } = await deps.presence.claim({
    mac: MAC,
    edgeId: 'edge-1',
    edgeAddress: '10.0.0.2:7000',
    connectionId: `${count}.${MAC}`,
    srcaddr: '10.0.0.9:5000',
    connectedAt: 0,
    protocolVersion: 2,
  });
  return { deps, epoch, commander: new DeviceCommander(deps) };
}

describe('DeviceCommander', () => {
  it('sends the command with the epoch and server to the edge that holds the device', async () => {
    const { deps, epoch, commander } = await withDevice();
    const out = await commander.send({ mac: MAC }, 'redirect', '127.0.0.1:8081');
    assert.deepEqual(out, { status: 200, detail: 'OK' });
    assert.deepEqual(deps.edgeLink.sent, [
      { address: '10.0.0.2:7000', cmd: { mac: MAC, epoch, command: 'redirect', server: '127.0.0.1:8081' } },
    ]);
    assert.ok(deps.lines.some((l) => l.includes(`redirect of ${MAC} to 127.0.0.1:8081 on edge edge-1`)));
  });

  it('sends reconnect and restart without a server', async () => {
    const { deps, commander } = await withDevice();
    await commander.send({ mac: MAC }, 'reconnect');
    await commander.send({ mac: MAC }, 'restart');
    assert.deepEqual(deps.edgeLink.sent.map((s) => [s.cmd.command, 'server' in s.cmd]), [['reconnect', false], ['restart', false]]);
  });

  it('answers 404 for a device presence does not know, and sends nothing', async () => {
    const { deps, commander } = await withDevice();
    assert.deepEqual(await commander.send({ mac: '00408c000000' }, 'restart'), {
      status: 404,
      reason: 'Client 00408c000000 is not connected',
    });
    assert.equal(deps.edgeLink.sent.length, 0);
  });

  it('answers 404 when the edge holding the device is dead', async () => {
    const { deps, commander } = await withDevice();
    await deps.presence.withdrawEdge('edge-1');
    assert.equal((await commander.send({ mac: MAC }, 'reconnect')).status, 404);
    assert.equal(deps.edgeLink.sent.length, 0);
  });

  it('answers 404 for count.mac naming a connection that is not the current one', async () => {
    const { deps, commander } = await withDevice(3);
    assert.deepEqual(await commander.send({ mac: MAC, count: 2 }, 'reconnect'), {
      status: 404,
      reason: `Client 2.${MAC} is not connected`,
    });
    assert.equal((await commander.send({ mac: MAC, count: 3 }, 'reconnect')).status, 200);
    assert.equal(deps.edgeLink.sent.length, 1);
  });

  it('answers 404 when the device left between the lookup and the command', async () => {
    const { deps, commander } = await withDevice();
    deps.edgeLink.answer = async () => ({ ok: false, detail: `device ${MAC} is not connected here` });
    assert.deepEqual(await commander.send({ mac: MAC }, 'restart'), { status: 404, reason: `Client ${MAC} is not connected` });
  });

  it('answers 504 when the device does not answer, 502 when it refuses', async () => {
    const { deps, commander } = await withDevice();
    deps.edgeLink.answer = async () => ({ ok: false, detail: 'device did not answer' });
    assert.deepEqual(await commander.send({ mac: MAC }, 'restart'), {
      status: 504,
      reason: `Client ${MAC} did not answer the restart command`,
    });
    deps.edgeLink.answer = async () => ({ ok: false, detail: 'busy' });
    assert.deepEqual(await commander.send({ mac: MAC }, 'restart'), {
      status: 502,
      reason: `Client ${MAC} refused the restart command: busy`,
    });
  });

  it('answers 502 when the edge is unreachable and 504 when it times out', async () => {
    const { deps, commander } = await withDevice();
    deps.edgeLink.answer = async () => {
      throw new TunnelError('unreachable', 'Edge unreachable');
    };
    assert.deepEqual(await commander.send({ mac: MAC }, 'reconnect'), {
      status: 502,
      reason: `Edge edge-1 holding client ${MAC} did not take the command: Edge unreachable`,
    });
    deps.edgeLink.answer = async () => {
      throw new TunnelError('timeout', 'Device did not answer in time');
    };
    assert.equal((await commander.send({ mac: MAC }, 'reconnect')).status, 504);
  });

  it('answers 503 when presence cannot be read', async () => {
    const { deps, commander } = await withDevice();
    deps.presence.lookup = async () => {
      throw new Error('connection refused');
    };
    assert.deepEqual(await commander.send({ mac: MAC }, 'reconnect'), { status: 503, reason: 'Presence store unavailable' });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminCgi } from '../admin/admin-cgi';
import { askCgi, controlDeps } from '../testing/control-deps.fixture';
import { DeviceCommander } from './device-commander.service';
import { ReconnectCgi } from './reconnect.cgi';
import { RedirectCgi } from './redirect.cgi';
import { RestartCgi } from './restart.cgi';

const MAC = '00408cdc8194';

async function cgis() {
  const deps = controlDeps();
  await deps.presence.announceEdge('edge-1', '10.0.0.2:7000');
  await deps.presence.claim({ mac: MAC, edgeId: 'edge-1', edgeAddress: '10.0.0.2:7000', connectionId: `1.${MAC}`, srcaddr: '', connectedAt: 0, protocolVersion: 2 });
  const commander = new DeviceCommander(deps);
  return { deps, redirect: new RedirectCgi(commander), reconnect: new ReconnectCgi(commander), restart: new RestartCgi(commander) };
}

describe('redirect.cgi, reconnect.cgi, restart.cgi', () => {
  it('answer the reference examples with 200 OK as text/plain', async () => {
    const { deps, redirect, reconnect, restart } = await cgis();
    for (const [cgi, q] of [
      [redirect, `client=${MAC}&server=127.0.0.1:8081`],
      [reconnect, `client=${MAC}`],
      [restart, `client=${MAC}`],
    ] as const) {
      const a = await askCgi(cgi, `${cgi.path}?${q}`);
      assert.equal(a.status, 200);
      assert.equal(a.headers['content-type'], 'text/plain');
      assert.equal(a.body, 'OK\n');
    }
    assert.deepEqual(deps.edgeLink.sent.map((s) => s.cmd.command), ['redirect', 'reconnect', 'restart']);
  });

  it('answer 400 in the O3C form for a missing or bad argument, and send nothing', async () => {
    const { deps, redirect, restart } = await cgis();
    const cases: Array<[AdminCgi, string, string]> = [
      [restart, '', 'Request failed. (Reason: Missing argument client.)\n'],
      [restart, '?client=nope', 'Request failed. (Reason: Invalid client "nope": expected a MAC address such as 00408cdc8194 or a connection id such as 1.00408cdc8194.)\n'],
      [redirect, `?client=${MAC}`, 'Request failed. (Reason: Missing argument server.)\n'],
      [redirect, `?client=${MAC}&server=127.0.0.1`, 'Request failed. (Reason: Invalid server "127.0.0.1": expected <address:port> such as 127.0.0.1:8081.)\n'],
    ];
    for (const [cgi, q, body] of cases) {
      const a = await askCgi(cgi, cgi.path + q);
      assert.equal(a.status, 400, q);
      assert.equal(a.headers['content-type'], 'text/plain');
      assert.equal(a.body, body);
    }
    assert.equal(deps.edgeLink.sent.length, 0);
  });

  it('answer 404 for a device that is not connected', async () => {
    const { reconnect } = await cgis();
    const a = await askCgi(reconnect, `${reconnect.path}?client=00:40:8C:00:00:01`);
    assert.equal(a.status, 404);
    assert.equal(a.body, 'Request failed. (Reason: Client 00408c000001 is not connected.)\n');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConfigHolder, parseConfig } from '@tether/config';
import { MemoryPresenceStore } from '@tether/presence';
import { Clock, Logger, noopMetrics } from '@tether/telemetry';
import { TestPki } from '@tether/testing';
import { MemoryClusterBus } from '@tether/cluster';
import { EdgeCounters } from '../status/edge-counters';
import type { EdgeDeps } from '../edge.deps';
import { DeviceRegistry } from '../sessions/device-registry.service';
import { DeviceListener } from './device-listener.service';

/** Timers that fire only when the test says so. */
function manualClock(): Clock & { fire(ms: number): number } {
  let id = 0;
  const timers = new Map<number, { fn: () => void; ms: number }>();
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      timers.set(++id, { fn, ms });
      return { id } as never;
    },
    clearTimeout: (h) => void timers.delete((h as { id: number } | undefined)?.id ?? -1),
    setInterval: () => ({}),
    clearInterval: () => undefined,
    fire(ms) {
      let n = 0;
      for (const [k, t] of [...timers]) if (t.ms === ms) {
        timers.delete(k);
        t.fn();
        n++;
      }
      return n;
    },
  };
}

describe('device listener admission', () => {
  let pki: TestPki;
  let device: Buffer;
  before(async () => {
    pki = await TestPki.create();
    device = readFileSync(await pki.deviceCert('00408c6e0001'));
  });
  after(() => pki.remove());

  it('a connection that never finishes its handshake gives its slot back (the slot watchdog)', async () => {
    const clock = manualClock();
    const config = parseConfig(
      [`listen_client = 127.0.0.1:0`, `cert_file = ${pki.serverPem}`, `ca_cert_file = ${pki.dispatcherCa}`, `client_handshake_concurrency = 1`].join('\n'),
      'edge.conf',
    );
    const deps: EdgeDeps = {
      config,
      live: new ConfigHolder(config),
      presence: new MemoryPresenceStore(),
      edgeLink: { command: async () => ({ ok: true, detail: '' }) } as unknown as EdgeDeps['edgeLink'],
      logger: new Logger({ level: 0 }),
      bus: new MemoryClusterBus(),
      metrics: noopMetrics,
      clock,
    };
    const listener = new DeviceListener(deps, new DeviceRegistry(deps, new EdgeCounters()));
    await listener.onApplicationBootstrap();
    const port = listener.address()!.port;
    const silent = net.connect(port, '127.0.0.1');
    let secure: tls.TLSSocket | undefined;
    try {
      await new Promise((r) => silent.once('connect', r));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(listener.admission().active, 1, 'the silent connection holds the only slot');
      let handshaken = false;
      secure = tls.connect({ port, host: '127.0.0.1', cert: device, key: device, ca: readFileSync(pki.providerCa), checkServerIdentity: () => undefined });
      secure.on('error', () => undefined);
      secure.once('secureConnect', () => (handshaken = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(handshaken, false, 'the second device waits for a slot');
      assert.equal(listener.admission().waiting, 1);
      assert.equal(clock.fire(35_000), 1, 'one slot watchdog armed');
      const until = Date.now() + 5000;
      while (!handshaken && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(handshaken, true, 'the waiting device got the freed slot');
    } finally {
      silent.destroy();
      secure?.destroy();
      await listener.onApplicationShutdown();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceStateStore } from './device-state.store';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const dir = () => join(mkdtempSync(join(tmpdir(), 'agent-state-')), 'state');

describe('--state-dir: what a device keeps across restarts', () => {
  it('nothing saved is factory state; what is saved comes back, per MAC, written whole and private', () => {
    const d = dir();
    const store = new DeviceStateStore(d);
    assert.equal(store.load('00408c7e0001'), undefined);
    store.save('00408c7e0001', { servers: ['edge-a:8443', 'edge-b:8443'], caPem: PEM, provisioned: true });
    store.save('00408c7e0001', { servers: ['edge-b:8443'], caPem: PEM, provisioned: true });
    assert.deepEqual(new DeviceStateStore(d).load('00408c7e0001'), { servers: ['edge-b:8443'], caPem: PEM, provisioned: true });
    assert.equal(new DeviceStateStore(d).load('00408c7e0002'), undefined);
    assert.deepEqual(readdirSync(d), ['00408c7e0001.json'], 'no temporary file left');
    assert.equal(statSync(join(d, '00408c7e0001.json')).mode & 0o077, 0);
  });

  it('a file it cannot use stops the start with its path and what was expected', () => {
    const d = dir();
    const store = new DeviceStateStore(d);
    writeFileSync(join(d, '00408c7e0003.json'), '{"servers": [');
    assert.throws(() => store.load('00408c7e0003'), /^Error: --state-dir: .*00408c7e0003\.json: not valid JSON/);
    for (const bad of [{ servers: [], caPem: PEM, provisioned: true }, { servers: ['nope'], caPem: PEM, provisioned: true }, { servers: ['a:1'], caPem: 'x', provisioned: true }, { servers: ['a:1'], caPem: PEM }]) {
      writeFileSync(join(d, '00408c7e0003.json'), JSON.stringify(bad));
      assert.throws(() => store.load('00408c7e0003'), /00408c7e0003\.json: expected \{"servers": \["host:port", \.\.\.\], "caPem": "<PEM>", "provisioned": true\|false\}$/, JSON.stringify(bad));
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateFile } from './state.file';

const dir = () => mkdtempSync(join(tmpdir(), 'dispatcher-state-'));

describe('dispatcher_state: the JSON file the dispatcher owns', () => {
  it('is created at first start with a CRL id, and a restart reads back what was saved', () => {
    const path = join(dir(), 'state.json');
    const a = StateFile.open(path);
    assert.ok(existsSync(path));
    assert.match(a.state.crlId, /^[0-9a-f-]{36}$/);
    a.state.devices['00408ca03af0'] = { mac: '00408ca03af0', oak: 'X', serial: '1f', lastSeen: 5, account: 'acme' };
    a.state.accounts.acme = { servers: ['a:1'], caPem: 'pem' };
    a.save();
    a.close();
    const b = StateFile.open(path);
    assert.deepEqual(b.state, a.state);
    b.close();
  });

  it('writes through a temporary file renamed into place (no leftovers)', () => {
    const d = dir();
    const f = StateFile.open(join(d, 'state.json'));
    for (let i = 0; i < 5; i++) {
      f.state.crlNumber = i;
      f.save();
    }
    assert.deepEqual(readdirSync(d).sort(), ['state.json', 'state.json.lock']);
    f.close();
    assert.deepEqual(readdirSync(d), ['state.json']);
  });

  it('is one dispatcher\'s: a second opener is refused while the first lives, and a crashed one\'s lock is taken over', async () => {
    const path = join(dir(), 'state.json');
    const first = StateFile.open(path);
    assert.equal(readFileSync(`${path}.lock`, 'utf8'), `${process.pid}\n`);
    assert.throws(() => StateFile.open(path), new RegExp(`^Error: dispatcher_state .*state\\.json is in use by process ${process.pid} \\(.*state\\.json\\.lock\\): one dispatcher per state file$`));
    first.close();
    assert.ok(!existsSync(`${path}.lock`));

    // A lock left by a process that no longer exists (a crash): taken over.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(`${path}.lock`, `${gone}\n`);
    const next = StateFile.open(path);
    assert.equal(readFileSync(`${path}.lock`, 'utf8'), `${process.pid}\n`);
    next.close();
  });

  it('refuses a corrupt or foreign file with the reason instead of starting empty', () => {
    const path = join(dir(), 'state.json');
    writeFileSync(path, '{"version": 1, "devices"');
    assert.throws(() => StateFile.open(path), /^Error: dispatcher_state .*state\.json: not valid JSON/);
    writeFileSync(path, '{"version": 7}');
    assert.throws(() => StateFile.open(path), /unknown version 7 \(expected 1\)$/);
    writeFileSync(path, '{"version": 1, "crlId": "x", "crlNumber": 0, "devices": {}, "accounts": {}}');
    assert.throws(() => StateFile.open(path), /revoked missing$/);
  });
});

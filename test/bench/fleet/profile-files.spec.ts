import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { profileBase, profilePath, profileRole } from './profile-files';

describe('profiler hook file names', () => {
  it('names a process by its tether command and its config file', () => {
    assert.equal(profileRole(['edge', '--config', '/tmp/tether-cluster-x/edge-0.conf']), 'edge-edge-0');
    assert.equal(profileRole(['gateway', '--config', '/tmp/c/gateway.conf']), 'gateway-gateway');
    assert.equal(profileRole(['agent', '--count', '2500', '--servers', '127.0.0.1:1']), 'agent');
    assert.equal(profileRole([]), 'node');
  });

  it("gives each profile of a process its own file: the first, then -2, -3 …", () => {
    const base = profileBase('/p', ['agent'], 42);
    assert.equal(base, '/p/agent-42');
    assert.equal(profilePath(base, 2), '/p/agent-42.cpuprofile');
    assert.equal(profilePath(base, 4), '/p/agent-42.cpuprofile-2');
    assert.equal(profilePath(base, 6), '/p/agent-42.cpuprofile-3');
  });
});

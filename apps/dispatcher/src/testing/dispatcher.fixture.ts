import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_LEVELS, Logger, ManualClock } from '@tether/telemetry';
import { TestPki } from '@tether/testing';
import { DispatchService, Provisioning } from '../dispatch/dispatch.service';
import { StateFile } from '../state/state.file';

/** Accounts "acme"/"secret" and "other"/"other-pass", without scrypt (specs of the decisions, not of hashing). */
export const plainAccounts = {
  verify: async (user: string, pass: string) => (user === 'acme' && pass === 'secret') || (user === 'other' && pass === 'other-pass'),
};

export interface ServiceFixture {
  service: DispatchService;
  state: StateFile;
  statePath: string;
  clock: ManualClock;
  lines: string[];
  /** Provision messages sent to "connected" devices, by MAC. */
  told: Map<string, Provisioning[]>;
  /** MACs the fake listener holds. */
  connected: Set<string>;
  revocations: number;
  caPem: string;
}

/** A DispatchService over a state file in a temporary directory and a fake device listener. */
export async function serviceFixture(pki: TestPki): Promise<ServiceFixture> {
  const statePath = join(mkdtempSync(join(tmpdir(), 'dispatcher-state-')), 'state.json');
  const state = StateFile.open(statePath);
  const clock = new ManualClock(1_700_000_000_000);
  const lines: string[] = [];
  const f: ServiceFixture = {
    service: undefined as unknown as DispatchService,
    state,
    statePath,
    clock,
    lines,
    told: new Map(),
    connected: new Set(),
    revocations: 0,
    caPem: pki.read(pki.providerCa),
  };
  f.service = new DispatchService({
    state,
    accounts: plainAccounts,
    clock,
    logger: new Logger({ level: LOG_LEVELS.debug, sinks: [(l) => lines.push(l)] }),
    onRevoked: async () => void f.revocations++,
  });
  f.service.attach({
    provision: (mac, servers, caPem) => {
      if (!f.connected.has(mac)) return false;
      f.told.set(mac, [...(f.told.get(mac) ?? []), { servers, caPem }]);
      return true;
    },
  });
  return f;
}

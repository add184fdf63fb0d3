/** A device's identity on the wire: 12 lower-case hex digits, no separators. */
export type Mac = string;

const SEPARATED = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Accepts `00408CFD49B3`, `00:40:8c:fd:49:b3`, `00-40-8C-FD-49-B3`; null for anything else. */
export function normalizeMac(input: string): Mac | null {
  if (!SEPARATED.test(input)) return null;
  return input.replace(/[:-]/g, '').toLowerCase();
}

/** The MAC `n` steps after `mac` (for fleets of virtual devices with consecutive MACs). */
export function macPlus(mac: Mac, n: number): Mac {
  const value = BigInt('0x' + mac) + BigInt(n);
  if (value > 0xffffffffffffn) throw new RangeError(`MAC ${mac} + ${n} overflows`);
  return value.toString(16).padStart(12, '0');
}

/** `count.mac`, as in status.cgi and the SSH user name. */
export interface ConnectionId {
  count: number;
  mac: Mac;
}

export function formatConnectionId(id: ConnectionId): string {
  return `${id.count}.${id.mac}`;
}

export function parseConnectionId(input: string): ConnectionId | null {
  const m = /^(\d{1,9})\.([0-9a-fA-F:-]{12,17})$/.exec(input);
  if (!m) return null;
  const mac = normalizeMac(m[2]);
  return mac ? { count: Number(m[1]), mac } : null;
}

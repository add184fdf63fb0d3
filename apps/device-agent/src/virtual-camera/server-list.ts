/** root.RemoteService.ServerList: comma-separated `host:port` entries (IPv6 hosts in brackets). */

const ENTRY = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

export function isServerEntry(entry: string): boolean {
  const m = ENTRY.exec(entry);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

/** Parses a param value; null when any entry is malformed. An empty value is an empty list. */
export function parseServerList(value: string): string[] | null {
  const list = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  return list.every(isServerEntry) ? list : null;
}

export function assertServerList(list: readonly string[]): void {
  const bad = list.find((e) => !isServerEntry(e));
  if (bad !== undefined) throw new RangeError(`server list entry must be host:port, got '${bad}'`);
}

import { normalizeMac, parseConnectionId } from '@tether/protocol';

/** Which device a command is for: a MAC, or `count.mac` naming one connection of it. */
export interface ClientArg {
  mac: string;
  /** Set when the client was given as `count.mac`: only that connection is meant. */
  count?: number;
}

export type ArgResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Echoed in errors: bounded, printable, so a hostile argument cannot shape the answer. */
function shown(raw: string): string {
  const s = raw.length > 64 ? raw.slice(0, 64) + '…' : raw;
  return JSON.stringify(s);
}

/** One query argument, given once; a second occurrence is ambiguous and refused. */
export function singleArg(url: URL, name: string): ArgResult<string> {
  const all = url.searchParams.getAll(name);
  if (all.length === 0 || (all.length === 1 && all[0].trim() === '')) return { ok: false, reason: `Missing argument ${name}` };
  if (all.length > 1) return { ok: false, reason: `Argument ${name} given ${all.length} times` };
  return { ok: true, value: all[0].trim() };
}

/** `client`: 00408cdc8194, 00:40:8C:DC:81:94, 00-40-8c-dc-81-94, or `count.mac` as status.cgi lists it. */
export function parseClientArg(url: URL): ArgResult<ClientArg> {
  const arg = singleArg(url, 'client');
  if (!arg.ok) return arg;
  const mac = normalizeMac(arg.value);
  if (mac) return { ok: true, value: { mac } };
  const id = parseConnectionId(arg.value);
  if (id) return { ok: true, value: { mac: id.mac, count: id.count } };
  return {
    ok: false,
    reason: `Invalid client ${shown(arg.value)}: expected a MAC address such as 00408cdc8194 or a connection id such as 1.00408cdc8194`,
  };
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

/** `<address:port>`: a DNS name or IPv4 address, or an IPv6 address in brackets, and a port 1-65535. */
export function isServerAddress(value: string): boolean {
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon) : '';
  const port = colon > 0 ? value.slice(colon + 1) : '';
  return HOST.test(host) && /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535;
}

/** `server`: the listen_client of another server, `<address:port>` (reference table 8). */
export function parseServerArg(url: URL): ArgResult<string> {
  const arg = singleArg(url, 'server');
  if (!arg.ok) return arg;
  if (!isServerAddress(arg.value))
    return { ok: false, reason: `Invalid server ${shown(arg.value)}: expected <address:port> such as 127.0.0.1:8081` };
  return { ok: true, value: arg.value };
}

/** Entries of root.RemoteService.ServerList at most (a device tries them in order; more is a mistake). */
export const MAX_SERVERS = 32;

/** `servers`: a server list, `<address:port>` entries separated by commas, each once. */
export function parseServerListArg(url: URL): ArgResult<string[]> {
  const arg = singleArg(url, 'servers');
  if (!arg.ok) return arg;
  const list = arg.value.split(',').map((s) => s.trim());
  const bad = list.find((s) => !isServerAddress(s));
  if (bad !== undefined)
    return { ok: false, reason: `Invalid server ${shown(bad)} in servers: expected <address:port>[,<address:port>...] such as 127.0.0.1:8443,10.0.0.2:8443` };
  const twice = list.find((s, i) => list.indexOf(s) !== i);
  if (twice !== undefined) return { ok: false, reason: `Server ${shown(twice)} is listed twice in servers` };
  if (list.length > MAX_SERVERS) return { ok: false, reason: `Too many servers: ${list.length} (at most ${MAX_SERVERS})` };
  return { ok: true, value: list };
}

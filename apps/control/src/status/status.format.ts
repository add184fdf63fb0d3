import type { OngoingRequestInfo } from '@tether/cluster';
import type { DeviceStatus } from '@tether/protocol';

/** A device's ongoing requests, by MAC (lower case, no separators). */
export type RequestsByMac = ReadonlyMap<string, readonly OngoingRequestInfo[]>;

const NONE: RequestsByMac = new Map();

/** RFC 3339 in UTC with microseconds, as O3C prints it: 2022-12-16T10:01:02.000000Z */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * status.cgi plain text (reference 3.1.1): one row per device, below it one row per ongoing request
 * indented by four spaces, then the total. Request fields in the order of the example in 3.1.1.2
 * (`rx tx connected`, as in the device rows), which partners parse, not the order of Table 3.
 */
export function statusText(devices: DeviceStatus[], requests: RequestsByMac = NONE): string {
  const rows: string[] = [];
  for (const d of devices) {
    rows.push(
      `id=${d.connectionId} srcaddr=${d.srcaddr} accepted=${d.accepted ? 1 : 0} v=${d.protocolVersion} ` +
        `rx=${d.rx} tx=${d.tx} connected=${rfc3339Micro(d.connectedAt)}`,
    );
    for (const r of requests.get(d.mac.toLowerCase()) ?? [])
      rows.push(`    id=${r.id} srcaddr=${r.srcaddr} request=${r.url} rx=${r.rx} tx=${r.tx} connected=${rfc3339Micro(r.connectedAt)}`);
  }
  return [...rows, '', `Total number of clients: ${devices.length}`, ''].join('\n');
}

/** status.cgi?format=json (reference 3.1.2, tables 4–6). */
export function statusJson(devices: DeviceStatus[], uptimeSeconds: number, version: string, requests: RequestsByMac = NONE): string {
  return (
    JSON.stringify(
      {
        clients: devices.map((d) => ({
          serial: d.mac.toUpperCase(),
          count: d.count,
          source: d.srcaddr,
          accepted: d.accepted,
          protocol_version: d.protocolVersion,
          connected: rfc3339Micro(d.connectedAt),
          rx: d.rx,
          tx: d.tx,
          requests: (requests.get(d.mac.toLowerCase()) ?? []).map((r) => ({
            id: r.id,
            source: r.srcaddr,
            url: r.url,
            connected: rfc3339Micro(r.connectedAt),
            rx: r.rx,
            tx: r.tx,
          })),
        })),
        client_count: devices.length,
        uptime: Math.floor(uptimeSeconds),
        server_version: version,
      },
      null,
      2,
    ) + '\n'
  );
}

import type { DeviceStatus } from '@tether/protocol';

/** RFC 3339 in UTC with microseconds, as O3C prints it: 2022-12-16T10:01:02.000000Z */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** status.cgi plain text (reference 3.1.1): one row per device, then the total. */
export function statusText(devices: DeviceStatus[]): string {
  const rows = devices.map(
    (d) =>
      `id=${d.connectionId} srcaddr=${d.srcaddr} accepted=${d.accepted ? 1 : 0} v=${d.protocolVersion} ` +
      `rx=${d.rx} tx=${d.tx} connected=${rfc3339Micro(d.connectedAt)}`,
  );
  return [...rows, '', `Total number of clients: ${devices.length}`, ''].join('\n');
}

/** status.cgi?format=json (reference 3.1.2, tables 4–6). */
export function statusJson(devices: DeviceStatus[], uptimeSeconds: number, version: string): string {
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
          requests: [],
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

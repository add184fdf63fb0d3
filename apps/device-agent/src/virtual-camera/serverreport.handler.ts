import type { ServerResponse } from 'node:http';
import { colonMac } from './camera.params';
import { reply } from './http.reply';
import type { ParamStore } from './param.store';
import type { CameraConfig } from './virtual-camera.options';

/** `3 days, 04:05:06 (273906 s)` */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const [d, h, m] = [Math.floor(s / 86400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  return `${d} days, ${pad(h)}:${pad(m)}:${pad(s % 60)} (${s} s)`;
}

/** GET /axis-cgi/serverreport.cgi: what support asks for first, plus the whole parameter list. */
export function handleServerReport(res: ServerResponse, c: CameraConfig, store: ParamStore, startedAt: number): void {
  const serial = c.mac.toUpperCase();
  const report = [
    `----- ${c.model} - ${serial} -----`,
    `Product: ${c.model}`,
    `Firmware version: ${c.firmware}`,
    `Serial number: ${serial}`,
    `MAC address: ${colonMac(c.mac)}`,
    `Uptime: ${formatUptime(c.clock.now() - startedAt)}`,
    `Remote service: enabled`,
    `Server list: ${store.serverList().join(',')}`,
    '',
    '----- Parameters -----',
    store.list([]),
  ].join('\n');
  reply(res, 200, report);
}

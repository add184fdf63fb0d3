import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigHolder, parseConfig } from '@tether/config';
import { MemoryPresenceStore } from '@tether/presence';
import type { DeviceCommand, DeviceCommandReply, EdgeLink } from '@tether/protocol';
import { LOG_LEVELS, Logger, systemClock } from '@tether/telemetry';
import type { AdminCgi } from '../admin/admin-cgi';
import type { ControlDeps } from '../control.deps';

/** An edge link that records commands and answers as told (unit specs of one CGI). */
export class FakeEdgeLink implements EdgeLink {
  readonly sent: Array<{ address: string; cmd: DeviceCommand }> = [];
  answer: (address: string, cmd: DeviceCommand) => Promise<DeviceCommandReply> = async () => ({ ok: true, detail: 'OK' });

  command(address: string, cmd: DeviceCommand): Promise<DeviceCommandReply> {
    this.sent.push({ address, cmd });
    return this.answer(address, cmd);
  }
  tunnel(): never {
    throw new Error('not in this spec');
  }
  async status() {
    return [];
  }
  async close() {}
}

/** Control deps over memory presence, a fake edge link and a logger whose lines are kept. */
export function controlDeps(configText = '', extra: Partial<ControlDeps> = {}): ControlDeps & { lines: string[]; edgeLink: FakeEdgeLink; presence: MemoryPresenceStore } {
  const lines: string[] = [];
  const config = parseConfig(configText, 'control.conf', { env: {} });
  return {
    config,
    live: new ConfigHolder(config),
    presence: new MemoryPresenceStore(),
    edgeLink: new FakeEdgeLink(),
    logger: new Logger({ level: LOG_LEVELS.debug, sinks: [(l) => lines.push(l)] }),
    clock: systemClock,
    version: 'test',
    lines,
    ...extra,
  } as ControlDeps & { lines: string[]; edgeLink: FakeEdgeLink; presence: MemoryPresenceStore };
}

export interface CgiAnswer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Serves one CGI on a loopback port and asks it `path` once, as a client would. */
export async function askCgi(cgi: AdminCgi, path: string): Promise<CgiAnswer> {
  const server = http.createServer((req, res) => void cgi.handle(req, res, new URL(req.url ?? '/', 'http://admin')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<CgiAnswer>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body }));
        })
        .on('error', reject);
    });
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TunnelError } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import { AdminCgi } from '../admin/admin-cgi';
import { reply, replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { DeviceHttp } from '../device-http/device-http.service';
import { parseClientArg, parseServerListArg } from './command-args';
import { COMMAND_OK } from './command.handler';
import { clientName, locateDevice } from './device-locator';

export const SERVER_LIST_PARAM = 'root.RemoteService.ServerList';

/**
 * serverlist.cgi?client=<mac>&servers=a:1,b:2 (Tether's, for reference 2.3's step "append the new server's
 * address to the server lists of the devices, using the param.cgi"): sends
 * `param.cgi?action=update&root.RemoteService.ServerList=…` to the device through the tunnel, with internal
 * authentication, then `set-servers` to its connection. `OK` when the device took it; 400 bad arguments, 404 not connected, 502 the device refused,
 * 504 it did not answer.
 */
@Injectable()
export class ServerListCgi implements AdminCgi {
  readonly path = '/admin/serverlist.cgi';
  private readonly log;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly http: DeviceHttp,
  ) {
    this.log = deps.logger.child('control');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const client = parseClientArg(url);
    if (!client.ok) return replyFailure(res, 400, client.reason);
    const servers = parseServerListArg(url);
    if (!servers.ok) return replyFailure(res, 400, servers.reason);
    const name = clientName(client.value);
    const found = await locateDevice(this.deps, client.value, 'serverlist');
    if (!('record' in found)) return replyFailure(res, found.status, found.reason);
    const list = servers.value.join(',');
    const path = `/axis-cgi/param.cgi?action=update&${SERVER_LIST_PARAM}=${encodeURIComponent(list)}`;
    let answer;
    try {
      answer = await this.http.request(found.record, { method: 'GET', path });
    } catch (err) {
      const e = TunnelError.from(err);
      this.log.warn(`serverlist ${name} (${list}): ${e.reason}`);
      if (e.code === 'not-connected') return replyFailure(res, 404, `Client ${name} is not connected`);
      if (e.code === 'timeout') return replyFailure(res, 504, `Client ${name} did not answer the server list update`);
      return replyFailure(res, 502, `Client ${name} could not be reached for the server list update: ${e.reason}`);
    }
    // param.cgi answers 200 with `OK`, or 200 with `# Error: …` lines when it refused a parameter.
    const firstLine = answer.body.trim().split('\n')[0]?.trim() ?? '';
    if (answer.status !== 200 || firstLine.startsWith('#') || !/^OK\b/.test(firstLine)) {
      const why = answer.status !== 200 ? `param.cgi answered HTTP ${answer.status}` : `param.cgi answered ${JSON.stringify(firstLine.slice(0, 200))}`;
      this.log.warn(`serverlist ${name} (${list}): ${why}`);
      return replyFailure(res, 502, `Client ${name} refused the server list update: ${why}`);
    }
    this.log.notice(`serverlist ${name}: ${SERVER_LIST_PARAM} = ${list}`);
    await this.tellConnection(found.record, name, servers.value);
    reply(res, 200, 'text/plain', COMMAND_OK);
  }

  /**
   * The parameter is the device's; the O3C client holding the connection (an agent in front of a `--target`
   * camera keeps its own list) and the edge's view of the list (what redirects and drains may choose from) are
   * told too. The device already took the list, so a failure here is logged, not answered.
   */
  private async tellConnection(record: PresenceRecord, name: string, servers: string[]): Promise<void> {
    try {
      const r = await this.deps.edgeLink.command(record.edgeAddress, { mac: record.mac, epoch: record.epoch, command: 'set-servers', servers });
      if (!r.ok) this.log.warn(`serverlist ${name}: the connection did not take the list: ${r.detail}`);
    } catch (err) {
      this.log.warn(`serverlist ${name}: edge ${record.edgeId} did not take set-servers: ${TunnelError.from(err).reason}`);
    }
  }
}

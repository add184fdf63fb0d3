import { Inject, Injectable } from '@nestjs/common';
import { TunnelError } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import type { ClientArg } from './command-args';
import { clientName, locateDevice } from './device-locator';

/** set-servers: dispatch.cgi moving an account's devices to its new server list. */
export type AdminCommand = 'redirect' | 'reconnect' | 'restart' | 'set-servers';

/** What a command CGI answers: 200 (`OK`) or an error status with its O3C reason. */
export type CommandOutcome = { status: 200; detail: string } | { status: number; reason: string };

/**
 * Sends redirect/reconnect/restart to a device wherever it is connected: presence says which edge
 * holds it, the edge link carries the command, the edge (reconnect) or the device's agent (redirect,
 * restart) carries it out. The epoch pins the command to the connection presence named, so a device
 * that reconnected meanwhile is not hit by a command meant for its old connection.
 */
@Injectable()
export class DeviceCommander {
  private readonly log;

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.log = deps.logger.child('control');
  }

  async send(client: ClientArg, command: AdminCommand, server?: string, servers?: string[]): Promise<CommandOutcome> {
    const name = clientName(client);
    const found = await locateDevice(this.deps, client, command);
    if (!('record' in found)) return found;
    const { record } = found;

    let reply;
    try {
      reply = await this.deps.edgeLink.command(record.edgeAddress, {
        mac: client.mac,
        epoch: record.epoch,
        command,
        ...(server ? { server } : {}),
        ...(servers ? { servers } : {}),
      });
    } catch (err) {
      const e = TunnelError.from(err);
      this.log.warn(`${command} ${name}: edge ${record.edgeId} (${record.edgeAddress}): ${e.reason}`);
      const status = e.code === 'timeout' ? 504 : 502;
      return { status, reason: `Edge ${record.edgeId} holding client ${name} did not take the command: ${e.reason}` };
    }
    const what = command === 'redirect' ? `redirect of ${name} to ${server}` : `${command} of ${name}`;
    if (!reply.ok) {
      this.log.warn(`${what} on edge ${record.edgeId} failed: ${reply.detail}`);
      // The device left between the lookup and the command (or a newer connection took over).
      if (/not connected|disconnected/.test(reply.detail)) return { status: 404, reason: `Client ${name} is not connected` };
      if (/did not answer/.test(reply.detail)) return { status: 504, reason: `Client ${name} did not answer the ${command} command` };
      return { status: 502, reason: `Client ${name} refused the ${command} command: ${reply.detail}` };
    }
    this.log.notice(`${what} on edge ${record.edgeId}: ${reply.detail || 'OK'}`);
    return { status: 200, detail: reply.detail };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { reply, replyFailure } from '../admin/admin-reply';
import { singleArg } from '../commands/command-args';
import { DeviceCommander } from '../commands/device-commander.service';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { callDispatcher } from './dispatcher.client';

const ARGS = { register: ['user', 'pass', 'mac', 'oak'], unregister: ['user', 'pass', 'mac'] } as const;

/**
 * dispatch.cgi (reference 3.8, 4.2, 4.3): register / unregister a device with the dispatcher
 * (dispatcher_url, over HTTPS trusting dispatcher_ca_bundle). 200 with an empty body on success, 400 with
 * the dispatcher's message (or why it could not be asked) otherwise. A register that changed the account's
 * server list also moves the account's devices this cluster holds (set-servers, then reconnect).
 */
@Injectable()
export class DispatchCgi implements AdminCgi {
  readonly path = '/admin/dispatch.cgi';
  private readonly log;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly commander: DeviceCommander,
  ) {
    this.log = deps.logger.child('control');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const action = singleArg(url, 'action');
    if (!action.ok) return replyFailure(res, 400, action.reason);
    if (action.value !== 'register' && action.value !== 'unregister')
      return replyFailure(res, 400, `Invalid action ${JSON.stringify(action.value.slice(0, 32))}: expected register or unregister`);
    const body: Record<string, unknown> = {};
    for (const name of ARGS[action.value]) {
      const arg = singleArg(url, name);
      if (!arg.ok) return replyFailure(res, 400, arg.reason);
      body[name] = arg.value;
    }
    const config = this.deps.live.current;
    if (action.value === 'register') {
      // Mandatory but may be empty (reference 4.2): empty keeps the account's list.
      const server = url.searchParams.getAll('server');
      if (server.length !== 1) return replyFailure(res, 400, server.length ? 'Argument server given more than once' : 'Missing argument server (it may be empty)');
      body.server = server[0];
      if (!config.provider_ca) return replyFailure(res, 400, 'No provider CA configured (provider_ca): the device would not trust this cluster');
      try {
        body.caPem = readFileSync(config.provider_ca, 'utf8');
      } catch (err) {
        return replyFailure(res, 400, `provider_ca ${config.provider_ca} unreadable: ${(err as Error).message}`);
      }
    }
    if (!config.dispatcher_url) return replyFailure(res, 400, 'No dispatcher configured (dispatcher_url)');
    const answer = await callDispatcher(
      { url: config.dispatcher_url, caBundle: config.dispatcher_ca_bundle, timeoutMs: config.dispatcher_timeout * 1000 },
      action.value,
      body,
    );
    if (!answer.ok) {
      this.log.warn(`dispatch.cgi ${action.value} ${String(body.mac)}: ${answer.reason}`);
      return replyFailure(res, 400, answer.reason);
    }
    this.log.notice(`dispatch.cgi ${action.value} ${String(body.mac)} for ${String(body.user)}: OK`);
    reply(res, 200, 'text/plain', '');
    if (action.value === 'register' && answer.body.serversChanged === true) void this.moveDevices(answer.body);
  }

  /** The account's devices this cluster holds take the new list and reconnect to it (the others learn it from the dispatcher). */
  private async moveDevices(result: Record<string, unknown>): Promise<void> {
    const servers = Array.isArray(result.servers) ? result.servers.filter((s): s is string => typeof s === 'string') : [];
    const devices = Array.isArray(result.devices) ? result.devices.filter((d): d is string => typeof d === 'string') : [];
    for (const mac of devices) {
      const set = await this.commander.send({ mac }, 'set-servers', undefined, servers);
      if (set.status !== 200) continue; // not connected here
      await this.commander.send({ mac }, 'reconnect');
      this.log.notice(`dispatch.cgi: ${mac} moved to ${servers.join(',')}`);
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { handleCommand } from './command.handler';
import { DeviceCommander } from './device-commander.service';

/** restart.cgi (reference 3.5): the device restarts (without VAPIX) and reconnects. */
@Injectable()
export class RestartCgi implements AdminCgi {
  readonly path = '/admin/restart.cgi';

  constructor(private readonly commander: DeviceCommander) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    return handleCommand(this.commander, 'restart', req, res, url);
  }
}

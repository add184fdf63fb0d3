import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { handleCommand } from './command.handler';
import { DeviceCommander } from './device-commander.service';

/** reconnect.cgi (reference 3.4): the edge closes the device's connection; the device reconnects to a server of its list. */
@Injectable()
export class ReconnectCgi implements AdminCgi {
  readonly path = '/admin/reconnect.cgi';

  constructor(private readonly commander: DeviceCommander) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    return handleCommand(this.commander, 'reconnect', req, res, url);
  }
}

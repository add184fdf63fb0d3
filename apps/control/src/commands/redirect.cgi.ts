import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { handleCommand } from './command.handler';
import { DeviceCommander } from './device-commander.service';

/** redirect.cgi (reference 3.3): `client` and `server` (<address:port>); the device moves only if `server` is in its server list. */
@Injectable()
export class RedirectCgi implements AdminCgi {
  readonly path = '/admin/redirect.cgi';

  constructor(private readonly commander: DeviceCommander) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    return handleCommand(this.commander, 'redirect', req, res, url);
  }
}

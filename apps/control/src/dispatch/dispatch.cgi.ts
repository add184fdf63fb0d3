import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { replyFailure } from '../admin/admin-reply';

export const DISPATCH_NOT_IMPLEMENTED =
  'Not Implemented: dispatch.cgi (reference 3.8 and 4) is not available in this version of Tether';

/** dispatch.cgi (reference 3.8): registering devices with a dispatcher comes in a later issue; until then a clear 501. */
@Injectable()
export class DispatchCgi implements AdminCgi {
  readonly path = '/admin/dispatch.cgi';

  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    replyFailure(res, 501, DISPATCH_NOT_IMPLEMENTED);
  }
}

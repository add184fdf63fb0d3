import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCgi } from '../admin/admin-cgi';
import { reply, replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { ShortcutParamsError, parseShortcutParams, readShortcutParams } from './shortcut.params';

/**
 * shortcut.cgi (reference 3.6): registers a time-limited shortcut to one device and answers
 * `id=<token>`. Any gateway's listen_user_ext serves it (the store is shared).
 */
@Injectable()
export class ShortcutCgi implements AdminCgi {
  readonly path = '/admin/shortcut.cgi';
  private readonly log;

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.log = deps.logger.child('shortcut');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    let spec;
    try {
      spec = parseShortcutParams(readShortcutParams(url.searchParams));
    } catch (err) {
      if (!(err instanceof ShortcutParamsError)) throw err;
      return replyFailure(res, 400, err.reason);
    }
    let shortcut;
    try {
      shortcut = await this.deps.shortcuts.create(spec);
    } catch (err) {
      this.log.error(`shortcut store unreachable: ${(err as Error).message}`);
      return replyFailure(res, 503, 'Shortcut store unreachable');
    }
    // The token is the key to the device: it goes to the caller only, never to the log.
    this.log.notice(
      `shortcut to ${spec.mac}${spec.path ?? ' (any path)'}${spec.query === null ? '' : ' (query locked)'} ` +
        `for ${spec.methods.join(',')}, timeout ${spec.timeoutMs / 1000} s`,
    );
    reply(res, 200, 'text/plain', `id=${shortcut.token}\n`);
  }
}

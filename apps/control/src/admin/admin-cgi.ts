import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One administration CGI (`/admin/<name>.cgi`): a provider of the control module, listed in
 * `ADMIN_CGI_CLASSES` (control.module.ts). The admin server has already checked authentication and
 * drained nothing: a CGI that takes no body should not read it.
 */
export interface AdminCgi {
  /** The path it answers, e.g. `/admin/status.cgi`. */
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

export const ADMIN_CGIS = Symbol('AdminCgis');

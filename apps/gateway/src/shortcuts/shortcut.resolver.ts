import type { ShortcutStore } from '@tether/shortcuts';
import { isShortcutToken } from '@tether/shortcuts';
import { RequestHeadInfo, RequestPlan, RequestRefusal, RequestResolver, parseCredentials, wantsNoInternalAuthentication } from '../proxy';
import { dropShortcutCookie, parseShortcutAccess } from './shortcut-access.parser';

export interface ShortcutResolverOptions {
  store: ShortcutStore;
  /** The configured `credentials` (`user:pass`, a live key): read at every request. */
  credentials(): string;
  /** Told why the store failed (the user hears only that it is unreachable). */
  onStoreError?(err: Error): void;
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const NOT_FOUND = 'Shortcut not found or expired';

async function accessStore(opts: ShortcutResolverOptions, token: string, close: boolean) {
  try {
    return await opts.store.access(token);
  } catch (err) {
    opts.onStoreError?.(err as Error);
    throw new RequestRefusal(503, 'Shortcut store unreachable', close);
  }
}

/**
 * Decides a request on listen_user_ext (reference 3.6). The device is the shortcut's, always: nothing
 * in the request (absolute URL, Host, path) can name another one. The shortcut's path and query, when
 * it has them, are locked; a user may repeat them (or ask for `/`) but not change them. Any request
 * presenting a live token restarts its timeout (one atomic store call); refusals for method, path or
 * query too: the token's holder could keep it alive with an allowed request anyway.
 * Mutates `info`: the shortcut cookie never reaches the device.
 */
export async function resolveShortcut(info: RequestHeadInfo, bodyLength: number, opts: ShortcutResolverOptions): Promise<RequestPlan> {
  const close = bodyLength !== 0; // an unread body: the next request cannot be found safely
  if (ABSOLUTE.test(info.target))
    throw new RequestRefusal(403, 'Absolute URLs are refused on the shortcut interface: a shortcut reaches only its own device', close);
  if (!info.target.startsWith('/')) throw new RequestRefusal(400, 'Malformed request target', close);
  const access = parseShortcutAccess(info);
  if (access.kind === 'malformed-path') throw new RequestRefusal(404, 'Expected /o3c-shortcut/<serverid>/<shortcut-token>', close);
  if (access.kind === 'none')
    throw new RequestRefusal(404, 'No shortcut given (cookie o3c-shortcut-id, or path /o3c-shortcut/<serverid>/<shortcut-token>)', close);
  const sc = isShortcutToken(access.token) ? await accessStore(opts, access.token, close) : null;
  if (!sc) throw new RequestRefusal(404, NOT_FOUND, close);
  if (!sc.methods.includes(info.method))
    throw new RequestRefusal(405, `Method ${info.method} is not allowed by this shortcut`, close, `Allow: ${sc.methods.join(', ')}\r\n`);
  let path = access.path;
  if (sc.path !== null) {
    if (path !== '/' && path !== sc.path) throw new RequestRefusal(403, `This shortcut is locked to the path ${sc.path}`, close);
    path = sc.path;
  }
  let query = access.query || null;
  if (sc.query !== null) {
    if (query !== null && query !== sc.query) throw new RequestRefusal(403, 'This shortcut has a locked query that cannot be altered', close);
    query = sc.query;
  }
  const stripAuth = wantsNoInternalAuthentication(info);
  dropShortcutCookie(info);
  const target = query === null ? path : `${path}?${query}`;
  return {
    mac: sc.mac,
    path: target,
    url: `http://${sc.mac}${target}`,
    credentials: stripAuth ? null : (sc.credentials ?? parseCredentials(opts.credentials())),
    stripAuth,
  };
}

/** The resolver listen_user_ext gives its connections. */
export function shortcutResolver(opts: ShortcutResolverOptions): RequestResolver {
  return (info, bodyLength) => resolveShortcut(info, bodyLength, opts);
}

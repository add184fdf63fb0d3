import type { RequestHeadInfo } from '../proxy/http.head';

export const SHORTCUT_COOKIE = 'o3c-shortcut-id';
const PATH_PREFIX = '/o3c-shortcut';
const PATH_FORM = /^\/o3c-shortcut\/([^/]+)\/([^/]+)(\/.*)?$/;

/** How a request on listen_user_ext names its shortcut, and what it asks of the device. */
export type ShortcutAccess =
  | { kind: 'shortcut'; form: 'cookie' | 'path'; token: string; path: string; query: string | null }
  | { kind: 'malformed-path' }
  | { kind: 'none' };

/** The values of the cookie `name` in every Cookie header (names compared as given, case-insensitively). */
export function cookieValues(info: Pick<RequestHeadInfo, 'names' | 'values'>, name: string): string[] {
  const out: string[] = [];
  const want = name.toLowerCase();
  for (let i = 0; i < info.names.length; i++) {
    if (info.names[i] !== 'cookie') continue;
    for (const pair of info.values[i].split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== want) continue;
      out.push(pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
  }
  return out;
}

/**
 * Reads an origin-form target (`/path?query`): the path form `/o3c-shortcut/<serverid>/<token>[/<rest>]`
 * first, else the cookie `o3c-shortcut-id` (reference 3.6). The path the user asks for is `/<rest>`
 * in the path form (`/` without one), the request path in the cookie form.
 */
export function parseShortcutAccess(info: Pick<RequestHeadInfo, 'target' | 'names' | 'values'>): ShortcutAccess {
  let target = info.target;
  const hash = target.indexOf('#');
  if (hash >= 0) target = target.slice(0, hash);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? null : target.slice(q + 1);
  if (path === PATH_PREFIX || path.startsWith(PATH_PREFIX + '/')) {
    const m = PATH_FORM.exec(path);
    if (!m) return { kind: 'malformed-path' };
    return { kind: 'shortcut', form: 'path', token: m[2].toLowerCase(), path: m[3] ?? '/', query };
  }
  const token = cookieValues(info, SHORTCUT_COOKIE)[0];
  if (token === undefined) return { kind: 'none' };
  return { kind: 'shortcut', form: 'cookie', token: token.toLowerCase(), path, query };
}

/** Takes the shortcut cookie out of the request (the device never sees it); other cookies stay. */
export function dropShortcutCookie(info: RequestHeadInfo): void {
  for (let i = info.names.length - 1; i >= 0; i--) {
    if (info.names[i] !== 'cookie') continue;
    const pairs = info.values[i].split(';');
    const kept = pairs.filter((p) => {
      const eq = p.indexOf('=');
      return eq < 0 || p.slice(0, eq).trim().toLowerCase() !== SHORTCUT_COOKIE;
    });
    if (kept.length === pairs.length) continue;
    const value = kept.map((p) => p.trim()).filter(Boolean).join('; ');
    if (value) {
      info.values[i] = value;
      info.lines[i] = `Cookie: ${value}`;
    } else {
      info.names.splice(i, 1);
      info.values.splice(i, 1);
      info.lines.splice(i, 1);
    }
  }
}

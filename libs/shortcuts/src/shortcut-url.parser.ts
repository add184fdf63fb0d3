import { normalizeMac } from '@tether/protocol';
import type { ShortcutSpec } from './shortcut.types';

/** Why a shortcut url was refused; the reason is meant for the O3C `Request failed. (Reason: …)` answer. */
export class ShortcutUrlError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;
const HTTP_URL = /^http:\/\/(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;

/**
 * Standard or URL-safe base64, padding optional. A `+` that a form decoder turned into a space
 * (`url=` is rarely percent-encoded by hand) counts as `+` again.
 */
export function decodeShortcutBase64(text: string): string {
  const b64 = text.replace(/ /g, '+').trim();
  const bare = b64.replace(/=+$/, '');
  if (!b64 || !BASE64.test(b64) || bare.length % 4 === 1 || (b64 !== bare && b64.length % 4 !== 0))
    throw new ShortcutUrlError('url is not base64');
  const decoded = Buffer.from(bare.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
  if (!PRINTABLE_ASCII.test(decoded)) throw new ShortcutUrlError('url does not decode to a URL (base64 of text such as http://<mac>/<path>)');
  return decoded;
}

function decodeComponent(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ShortcutUrlError(`url has a malformed ${what}`);
  }
}

/** The decoded url of shortcut.cgi (`http://[user:pass@]<mac>[:80][/path][?query]`) as what the gateway needs. */
export function parseShortcutUrl(url: string): Omit<ShortcutSpec, 'methods' | 'timeoutMs'> {
  const m = HTTP_URL.exec(url);
  if (!m) throw new ShortcutUrlError(`url "${url.replace(/\/\/[^@/?#]*@/, '//')}" is not an http URL such as http://<mac>/<path>`);
  const [, userinfo, hostport, path, query] = m;
  let host = hostport;
  const port = /:(\d*)$/.exec(host);
  if (port && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(host)) {
    if (port[1] !== '80' && port[1] !== '') throw new ShortcutUrlError(`url port ${port[1]} cannot be reached through a shortcut (devices are reached on port 80)`);
    host = host.slice(0, -port[0].length);
  }
  const mac = normalizeMac(host);
  if (!mac) throw new ShortcutUrlError(`url host "${host}" is not a device MAC address`);
  let credentials: ShortcutSpec['credentials'] = null;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decodeComponent(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name');
    const pass = colon < 0 ? '' : decodeComponent(userinfo.slice(colon + 1), 'password');
    if (!user) throw new ShortcutUrlError('url has credentials without a user name');
    credentials = { user, pass };
  }
  return { mac, path: path || null, query: query ? query : null, credentials };
}

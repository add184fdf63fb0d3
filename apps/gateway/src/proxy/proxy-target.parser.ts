import { normalizeMac } from '@tether/protocol';

/** Methods the O3C user interface forwards (reference 5.1). */
export const PROXY_METHODS = new Set(['HEAD', 'GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'PATCH']);

export interface ProxyTarget {
  mac: string;
  /** origin-form: /path?query */
  path: string;
}

export class ProxyTargetError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** `http://<mac>[:80]/<path>` as a forward proxy receives it; the MAC in any case, with or without separators. */
export function parseProxyTarget(method: string, url: string): ProxyTarget {
  if (!PROXY_METHODS.has(method)) throw new ProxyTargetError(405, `Method ${method} is not supported`);
  const m = /^http:\/\/([^/?#]+)([^#]*)/i.exec(url);
  if (!m) throw new ProxyTargetError(400, 'Expected an absolute URL such as http://<mac>/<path>');
  let host = m[1];
  if (host.includes('@')) throw new ProxyTargetError(400, 'Credentials in the URL are not accepted');
  const port = /:(\d+)$/.exec(host);
  if (port && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(host)) {
    if (port[1] !== '80') throw new ProxyTargetError(400, `Port ${port[1]} is not reachable through the proxy`);
    host = host.slice(0, -port[0].length);
  }
  const mac = normalizeMac(host);
  if (!mac) throw new ProxyTargetError(400, `"${host}" is not a device MAC address`);
  let path = m[2] || '/';
  if (path.startsWith('?')) path = '/' + path;
  return { mac, path };
}

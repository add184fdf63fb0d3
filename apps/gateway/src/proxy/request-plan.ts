import { RequestHeadInfo } from './http.head';

/** Where one parsed user request goes and how it is authenticated towards the device. */
export interface RequestPlan {
  /** The device (12 lower-case hex). */
  mac: string;
  /** Origin-form target sent to the device, e.g. `/axis-cgi/param.cgi?action=list`. */
  path: string;
  /** The URL as status.cgi shows it (`http://<mac>/<path>` as the user gave it). */
  url: string;
  /** Internal authentication to apply towards the device; null: the user's own Authorization passes. */
  credentials: { user: string; pass: string } | null;
  /** `X-No-Internal-Authentication: 1`: every Authorization header is removed and none added. */
  stripAuth: boolean;
}

/** Decides where a parsed request goes; throws (or rejects with) a RequestRefusal to answer it with an error. */
export type RequestResolver = (info: RequestHeadInfo, bodyLength: number) => RequestPlan | Promise<RequestPlan>;

const NO_AUTH_COOKIE = /(?:^|;)\s*X-No-Internal-Authentication\s*=\s*"?1"?\s*(?:;|$)/i;

/** `X-No-Internal-Authentication: 1` as a header or a cookie (reference 3.6). */
export function wantsNoInternalAuthentication(info: RequestHeadInfo): boolean {
  for (let i = 0; i < info.names.length; i++) {
    const name = info.names[i];
    if (name === 'x-no-internal-authentication' && info.values[i] === '1') return true;
    if (name === 'cookie' && NO_AUTH_COOKIE.test(info.values[i])) return true;
  }
  return false;
}

let lastText = '';
let lastParsed: RequestPlan['credentials'] = null;

/** `user:pass` (the `credentials` key, or a shortcut's URL userinfo) as plan credentials; empty: none. */
export function parseCredentials(text: string): RequestPlan['credentials'] {
  if (text === lastText) return lastParsed; // the live key rarely changes: no split per request
  const colon = text.indexOf(':');
  const parsed = text ? { user: colon < 0 ? text : text.slice(0, colon), pass: colon < 0 ? '' : text.slice(colon + 1) } : null;
  lastText = text;
  lastParsed = parsed;
  return parsed;
}

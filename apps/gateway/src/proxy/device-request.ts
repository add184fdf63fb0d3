import { RequestHeadInfo, headerTokens } from './http.head';
import type { RequestPlan } from './request-plan';

/** Hop-by-hop headers between the user and the proxy; never passed to the device. */
const HOP = new Set(['proxy-authorization', 'proxy-connection', 'keep-alive', 'connection', 'upgrade']);
/** Gateway instructions, never passed to the device. */
const GATEWAY_ONLY = 'x-no-internal-authentication';
/** The gateway frames the body by these: they reach the device whatever `Connection` names. */
const FRAMING = new Set(['content-length', 'transfer-encoding']);

export interface DeviceRequest {
  /** The head as the device's web server gets it: origin-form target, proxy headers gone. */
  head: Buffer;
  /** The user asked to close the connection after this response. */
  closeAfter: boolean;
}

/**
 * Rewrites a proxy request for the device: `GET http://<mac>/p HTTP/1.1` becomes `GET /p HTTP/1.1`,
 * proxy and hop-by-hop headers go (an Upgrade survives when the user asked for one), and a Host is
 * added when the user sent none. The connection to the device is the proxy's to manage: a user's
 * `Connection: close` ends the user's connection, not the device's keep-alive one.
 *
 * The user's Authorization goes when the plan strips it or internal authentication replaces it
 * (`authorization`: the value the gateway sends instead).
 */
export function deviceRequest(
  info: RequestHeadInfo,
  plan: Pick<RequestPlan, 'path' | 'mac' | 'stripAuth' | 'credentials'>,
  authorization?: string,
): DeviceRequest {
  const conn = headerTokens(info, 'connection');
  const named = new Set(conn);
  const upgrade = named.has('upgrade');
  const dropAuth = plan.stripAuth || plan.credentials !== null;
  let out = `${info.method} ${plan.path} HTTP/1.${info.minor}\r\n`;
  let host = false;
  for (let i = 0; i < info.names.length; i++) {
    const name = info.names[i];
    if (name === 'upgrade' && upgrade) out += info.lines[i] + '\r\n';
    else if (HOP.has(name) || (named.has(name) && !FRAMING.has(name)) || name === GATEWAY_ONLY) continue;
    else if (dropAuth && name === 'authorization') continue;
    else {
      if (name === 'host') host = true;
      out += info.lines[i] + '\r\n';
    }
  }
  if (!host) out += `Host: ${plan.mac}\r\n`;
  if (authorization !== undefined && !plan.stripAuth) out += `Authorization: ${authorization}\r\n`;
  if (upgrade) out += 'Connection: Upgrade\r\n';
  else if (info.minor === 0) out += 'Connection: keep-alive\r\n';
  out += '\r\n';
  return { head: Buffer.from(out, 'latin1'), closeAfter: closesAfter(info, conn) };
}

/** The user asked to close its connection after this request's answer. */
export function closesAfter(info: RequestHeadInfo, conn = headerTokens(info, 'connection')): boolean {
  const proxyConn = headerTokens(info, 'proxy-connection');
  const keepAlive = info.minor === 1 ? !conn.includes('close') && !proxyConn.includes('close') : conn.includes('keep-alive') || proxyConn.includes('keep-alive');
  return !keepAlive;
}

/**
 * The bodyless HEAD the gateway sends first to learn a device's challenge (internal authentication):
 * safe by definition, answered without a body, and never shown to the user.
 */
export function probeRequest(info: RequestHeadInfo, plan: Pick<RequestPlan, 'path' | 'mac'>): Buffer {
  const i = info.names.indexOf('host');
  const host = i < 0 ? plan.mac : info.values[i];
  return Buffer.from(`HEAD ${plan.path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1');
}

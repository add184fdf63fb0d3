import { basicAuthMatches } from '@tether/protocol';
import { RequestHeadInfo, RequestRefusal } from './http.head';
import { ProxyTargetError, parseProxyTarget } from './proxy-target.parser';
import { RequestPlan, RequestResolver, parseCredentials, wantsNoInternalAuthentication } from './request-plan';

/** The live keys the forward proxy reads per request (a reload applies to the next request). */
export interface ForwardConfig {
  user_credentials: string;
  credentials: string;
}

/**
 * The forward proxy (`curl -x`): the device and path come from the absolute-form URL, users prove
 * `user_credentials` with Proxy-Authorization (407 otherwise), internal authentication uses `credentials`.
 */
export function forwardResolver(config: () => ForwardConfig): RequestResolver {
  return (info: RequestHeadInfo, bodyLength: number): RequestPlan => {
    let target;
    try {
      target = parseProxyTarget(info.method, info.target);
    } catch (err) {
      const e = err as ProxyTargetError;
      throw new RequestRefusal(e.status, e.reason, bodyLength !== 0);
    }
    const c = config();
    if (c.user_credentials && !basicAuthMatches(headerOf(info, 'proxy-authorization'), c.user_credentials))
      throw new RequestRefusal(407, 'Proxy authentication required', bodyLength !== 0, 'Proxy-Authenticate: Basic realm="tether"\r\n');
    const stripAuth = wantsNoInternalAuthentication(info);
    return {
      mac: target.mac,
      path: target.path,
      url: info.target,
      credentials: stripAuth ? null : parseCredentials(c.credentials),
      stripAuth,
    };
  };
}

function headerOf(info: RequestHeadInfo, name: string): string | undefined {
  const i = info.names.indexOf(name);
  return i < 0 ? undefined : info.values[i];
}

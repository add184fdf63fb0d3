import type { Logger } from '@tether/telemetry';
import type { InternalAuth } from '../auth/internal-auth';
import type { GatewayDeps } from '../gateway.deps';
import type { RequestLedger } from '../requests/request-ledger';
import type { DeviceRouter } from '../routing/device-router.service';
import type { ProxyContext } from './proxy-context';
import type { RequestResolver } from './request-plan';

/** Seconds beyond request_timeout a silent edge gets to answer a ping (then the user hears it is the edge). */
const EDGE_GRACE_S = 3;

/**
 * The context every user-facing listener of the gateway gives its connections: only `resolve`
 * differs between the forward proxy and the shortcut interface (`ProxyServer.contextWith`). Live keys
 * are read per request.
 */
export function createProxyContext(
  deps: GatewayDeps,
  parts: { router: DeviceRouter; ledger: RequestLedger; auth: InternalAuth },
  log: Logger,
  resolve: RequestResolver,
): ProxyContext {
  const { router, ledger, auth } = parts;
  const metrics = deps.metrics;
  return {
    maxHeaderSize: deps.config.max_header_size,
    requestTimeoutMs: () => deps.live.current.request_timeout * 1000,
    edgeGraceMs: EDGE_GRACE_S * 1000,
    resolve,
    route: (mac) => router.route(mac),
    tunnel: (address) => deps.edgeLink.tunnel(address),
    clock: deps.clock,
    onResponse: (status, seconds) => metrics.proxyRequest(status, seconds),
    onBytes: (direction, bytes) => metrics.proxyBytes(direction, bytes),
    ledger,
    auth,
    log,
  };
}

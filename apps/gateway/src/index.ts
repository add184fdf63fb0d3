export { GatewayModule } from './gateway.module';
export type { GatewayDeps } from './gateway.deps';
export { ProxyServer } from './proxy/proxy.server';
export { ShortcutServer } from './shortcuts/shortcut.server';
export { DeviceRouter } from './routing/device-router.service';
export { RequestLedger } from './requests/request-ledger';
export type { OngoingRequest, ProxyTotals } from './requests/request-ledger';
export { GatewayClusterMember } from './status/gateway-cluster.member';

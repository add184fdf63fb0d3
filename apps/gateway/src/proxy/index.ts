/** What a second user-facing server (the shortcut interface) needs to serve requests like the forward proxy. */
export { ProxyConnection } from './proxy.connection';
export type { ProxyContext } from './proxy-context';
export { createProxyContext } from './proxy-context.factory';
export { RequestRefusal } from './http.head';
export type { RequestHeadInfo } from './http.head';
export type { RequestPlan, RequestResolver } from './request-plan';
export { parseCredentials, wantsNoInternalAuthentication } from './request-plan';
export { forwardResolver } from './forward.resolver';
export type { ForwardConfig } from './forward.resolver';
export { PROXY_METHODS, parseProxyTarget } from './proxy-target.parser';
export { failureResponse } from './proxy-reply';
export { ProxyServer } from './proxy.server';

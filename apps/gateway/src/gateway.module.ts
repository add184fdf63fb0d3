import { DynamicModule, Module } from '@nestjs/common';
import { INTERNAL_AUTH_OPTIONS, InternalAuth, InternalAuthOptions } from './auth/internal-auth';
import { GATEWAY_DEPS, GatewayDeps } from './gateway.deps';
import { ProxyServer } from './proxy/proxy.server';
import { RequestLedger } from './requests/request-ledger';
import { DeviceRouter } from './routing/device-router.service';
import { GatewayClusterMember } from './status/gateway-cluster.member';
import { ShortcutServer } from './shortcuts/shortcut.server';

/** The gateway: the user-facing proxy; stateless, any number of replicas. */
@Module({})
export class GatewayModule {
  static register(deps: GatewayDeps): DynamicModule {
    return {
      module: GatewayModule,
      providers: [
        { provide: GATEWAY_DEPS, useValue: deps },
        // force_authentication_mode is a live key: read per request.
        { provide: INTERNAL_AUTH_OPTIONS, useValue: { mode: () => deps.live.current.force_authentication_mode } as InternalAuthOptions },
        InternalAuth,
        RequestLedger,
        DeviceRouter,
        ProxyServer,
        GatewayClusterMember,
        ShortcutServer,
      ],
      exports: [ProxyServer, ShortcutServer, DeviceRouter, RequestLedger, InternalAuth],
    };
  }
}

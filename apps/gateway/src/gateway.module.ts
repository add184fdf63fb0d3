import { DynamicModule, Module } from '@nestjs/common';
import { GATEWAY_DEPS, GatewayDeps } from './gateway.deps';
import { ProxyServer } from './proxy/proxy.server';
import { RequestLedger } from './requests/request-ledger';
import { DeviceRouter } from './routing/device-router.service';
import { ShortcutServer } from './shortcuts/shortcut.server';

/** The gateway: the user-facing proxy; stateless, any number of replicas. */
@Module({})
export class GatewayModule {
  static register(deps: GatewayDeps): DynamicModule {
    return {
      module: GatewayModule,
      providers: [{ provide: GATEWAY_DEPS, useValue: deps }, RequestLedger, DeviceRouter, ProxyServer, ShortcutServer],
      exports: [ProxyServer, ShortcutServer, DeviceRouter, RequestLedger],
    };
  }
}

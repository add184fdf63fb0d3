import { DynamicModule, Module } from '@nestjs/common';
import { ProviderApiServer } from './api/provider-api.server';
import { CrlServer } from './crl/crl.server';
import { DeviceListener } from './devices/device.listener';
import { DispatcherCore } from './dispatch/dispatcher.core';
import { DISPATCHER_DEPS, DispatcherDeps } from './dispatcher.deps';

/** The self-hostable dispatcher: factory devices wait on dispatcher_listen, providers register them over the API. */
@Module({})
export class DispatcherModule {
  static register(deps: DispatcherDeps): DynamicModule {
    return {
      module: DispatcherModule,
      providers: [
        { provide: DISPATCHER_DEPS, useValue: deps },
        { provide: DispatcherCore, useFactory: () => DispatcherCore.open(deps) },
        DeviceListener,
        ProviderApiServer,
        CrlServer,
      ],
      exports: [DeviceListener, ProviderApiServer, CrlServer],
    };
  }
}

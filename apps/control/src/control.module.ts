import { DynamicModule, Module } from '@nestjs/common';
import { AdminServer } from './admin/admin.server';
import { CONTROL_DEPS, ControlDeps } from './control.deps';
import { ClusterStatus } from './status/cluster-status.service';

/** Control: the O3C administration interface, answering for the whole cluster. */
@Module({})
export class ControlModule {
  static register(deps: ControlDeps): DynamicModule {
    return {
      module: ControlModule,
      providers: [{ provide: CONTROL_DEPS, useValue: deps }, ClusterStatus, AdminServer],
      exports: [AdminServer, ClusterStatus],
    };
  }
}

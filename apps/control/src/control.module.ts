import { DynamicModule, Module, Type } from '@nestjs/common';
import { ADMIN_CGIS, AdminCgi } from './admin/admin-cgi';
import { AdminServer } from './admin/admin.server';
import { DeviceCommander } from './commands/device-commander.service';
import { ReconnectCgi } from './commands/reconnect.cgi';
import { RedirectCgi } from './commands/redirect.cgi';
import { RestartCgi } from './commands/restart.cgi';
import { ServerListCgi } from './commands/serverlist.cgi';
import { PrintConfigCgi } from './config/print-config.cgi';
import { ReloadConfigCgi } from './config/reload-config.cgi';
import { CONTROL_DEPS, ControlDeps } from './control.deps';
import { DebugCgi } from './debug/debug.cgi';
import { DeviceHttp } from './device-http/device-http.service';
import { MetricsCgi } from './metrics/metrics.cgi';
import { DispatchCgi } from './dispatch/dispatch.cgi';
import { PrometheusCgi } from './metrics/prometheus.cgi';
import { NotificationDelivery } from './notifications/notification-delivery.service';
import { RebalanceCgi } from './rebalance/rebalance.cgi';
import { Rebalancer } from './rebalance/rebalancer.service';
import { ShortcutCgi } from './shortcuts/shortcut.cgi';
import { ClusterStatus } from './status/cluster-status.service';
import { StatusCgi } from './status/status.cgi';

/** Every administration CGI; the admin server routes `/admin/<name>.cgi` to the one whose path matches. */
const ADMIN_CGI_CLASSES: Type<AdminCgi>[] = [
  StatusCgi,
  RedirectCgi,
  ReconnectCgi,
  RestartCgi,
  ServerListCgi,
  DispatchCgi,
  ReloadConfigCgi,
  PrintConfigCgi,
  PrometheusCgi,
  MetricsCgi,
  DebugCgi,
  ShortcutCgi,
  RebalanceCgi,
];

/** Control: the O3C administration interface, answering for the whole cluster. */
@Module({})
export class ControlModule {
  static register(deps: ControlDeps): DynamicModule {
    return {
      module: ControlModule,
      providers: [
        { provide: CONTROL_DEPS, useValue: deps },
        ClusterStatus,
        DeviceCommander,
        DeviceHttp,
        NotificationDelivery,
        Rebalancer,
        ...ADMIN_CGI_CLASSES,
        { provide: ADMIN_CGIS, useFactory: (...cgis: AdminCgi[]) => cgis, inject: ADMIN_CGI_CLASSES },
        AdminServer,
      ],
      exports: [AdminServer, ClusterStatus],
    };
  }
}

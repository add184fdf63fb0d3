export { ControlModule } from './control.module';
export type { ControlDeps, NotificationDeliveries } from './control.deps';
export { AdminServer } from './admin/admin.server';
export { requireAdminListener } from './admin/admin-listeners';
export type { ConfigReload, ConfigReloadResult } from './config/config-reload.port';
export { RELOAD_CONFIG_TOPIC, reloadCluster } from './config/cluster-reload';
export type { ClusterReloadReport } from './config/cluster-reload';

export { ControlModule } from './control.module';
export type { ControlDeps } from './control.deps';
export { AdminServer } from './admin/admin.server';

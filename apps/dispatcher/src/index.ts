export { DispatcherModule } from './dispatcher.module';
export type { DispatcherDeps } from './dispatcher.deps';
export { requireDispatcherConfig } from './dispatch/dispatcher.core';
export { withAccount } from './accounts/account.store';

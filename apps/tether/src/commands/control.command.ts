import { ControlModule, requireAdminListener } from '@tether/app-control';
import { CommandSpec } from '../cli/flags';
import { needsRedis, runClusterApps } from '../runtime/run-apps';
import { TETHER_VERSION } from '../runtime/version';
import { CONFIG_FLAG } from './edge.command';

export const controlCommand: CommandSpec = {
  name: 'control',
  summary: 'Run control: the O3C administration interface (listen_admin, listen_admin_https) for the whole cluster.',
  flags: [CONFIG_FLAG],
  run: (flags) =>
    runClusterApps(flags, (deps) => [ControlModule.register({ ...deps, version: TETHER_VERSION })], (config) => {
      needsRedis('control')(config);
      requireAdminListener(config);
    }),
};

import { GatewayModule } from '@tether/app-gateway';
import { CommandSpec } from '../cli/flags';
import { needsRedis, runClusterApps } from '../runtime/run-apps';
import { CONFIG_FLAG } from './edge.command';

export const gatewayCommand: CommandSpec = {
  name: 'gateway',
  summary: 'Run a gateway: the HTTP forward proxy for users (listen_user) and the shortcut interface (listen_user_ext); stateless, any number of replicas.',
  flags: [CONFIG_FLAG],
  run: (flags) => runClusterApps(flags, (deps) => [GatewayModule.register(deps)], needsRedis('gateway')),
};

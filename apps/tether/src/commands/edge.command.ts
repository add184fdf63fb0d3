import { EdgeModule } from '@tether/app-edge';
import { CommandSpec } from '../cli/flags';
import { runClusterApps } from '../runtime/run-apps';

export const CONFIG_FLAG = {
  name: 'config',
  value: 'FILE',
  help: 'Configuration file of `key = value` lines; every key may also come from TETHER_<KEY>.',
};

export const edgeCommand: CommandSpec = {
  name: 'edge',
  summary: 'Run an edge: devices connect to listen_client; gateways and control reach it on grpc_listen.',
  flags: [CONFIG_FLAG],
  run: (flags) => runClusterApps(flags, (deps) => [EdgeModule.register(deps)]),
};

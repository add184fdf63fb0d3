import { EdgeModule } from '@tether/app-edge';
import { noopMetrics } from '@tether/telemetry';
import { CommandSpec } from '../cli/flags';
import { makeEdgeLink, makeLogger, makePresence, systemClock } from '../runtime/adapters';
import { startApps, untilSignal } from '../runtime/app-runner';
import { configFromFlags } from '../runtime/load-config';

export const CONFIG_FLAG = {
  name: 'config',
  value: 'FILE',
  help: 'Configuration file of `key = value` lines; every key may also come from TETHER_<KEY>.',
};

export const edgeCommand: CommandSpec = {
  name: 'edge',
  summary: 'Run an edge: devices connect to listen_client; gateways and control reach it on grpc_listen.',
  flags: [CONFIG_FLAG],
  async run(flags) {
    const config = configFromFlags(flags);
    const logger = makeLogger(config);
    const presence = makePresence(config, logger);
    const edgeLink = makeEdgeLink(config);
    await startApps(
      [EdgeModule.register({ config, presence, edgeLink, logger, metrics: noopMetrics, clock: systemClock })],
      logger,
    );
    return untilSignal();
  },
};

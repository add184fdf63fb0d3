import { GatewayModule } from '@tether/app-gateway';
import { noopMetrics } from '@tether/telemetry';
import { CommandSpec } from '../cli/flags';
import { makeEdgeLink, makeLogger, makePresence, systemClock } from '../runtime/adapters';
import { startApps, untilSignal } from '../runtime/app-runner';
import { configFromFlags } from '../runtime/load-config';
import { CONFIG_FLAG } from './edge.command';

export const gatewayCommand: CommandSpec = {
  name: 'gateway',
  summary: 'Run a gateway: the HTTP forward proxy for users (listen_user); stateless, any number of replicas.',
  flags: [CONFIG_FLAG],
  async run(flags) {
    const config = configFromFlags(flags);
    if (!config.redis_url) throw new Error('a separate gateway needs redis_url (use `tether server` for one process)');
    const logger = makeLogger(config);
    const presence = makePresence(config, logger);
    const edgeLink = makeEdgeLink(config);
    await startApps(
      [GatewayModule.register({ config, presence, edgeLink, logger, metrics: noopMetrics, clock: systemClock })],
      logger,
    );
    return untilSignal();
  },
};

import { ControlModule } from '@tether/app-control';
import { CommandSpec } from '../cli/flags';
import { makeEdgeLink, makeLogger, makePresence, systemClock } from '../runtime/adapters';
import { startApps, untilSignal } from '../runtime/app-runner';
import { configFromFlags } from '../runtime/load-config';
import { TETHER_VERSION } from '../runtime/version';
import { CONFIG_FLAG } from './edge.command';

export const controlCommand: CommandSpec = {
  name: 'control',
  summary: 'Run control: the O3C administration interface (listen_admin) for the whole cluster.',
  flags: [CONFIG_FLAG],
  async run(flags) {
    const config = configFromFlags(flags);
    if (!config.redis_url) throw new Error('a separate control needs redis_url (use `tether server` for one process)');
    const logger = makeLogger(config);
    const presence = makePresence(config, logger);
    const edgeLink = makeEdgeLink(config);
    await startApps(
      [ControlModule.register({ config, presence, edgeLink, logger, clock: systemClock, version: TETHER_VERSION })],
      logger,
    );
    return untilSignal();
  },
};

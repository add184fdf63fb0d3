import { existsSync, readFileSync } from 'node:fs';
import { DispatcherModule, requireDispatcherConfig, withAccount } from '@tether/app-dispatcher';
import { ConfigHolder, environmentValue } from '@tether/config';
import { SECRET_MODE, writeFileAtomicSync } from '@tether/pki';
import { systemClock } from '@tether/telemetry';
import { CommandSpec, UsageError, str } from '../cli/flags';
import { startApps, untilSignal } from '../runtime/app-runner';
import { ignoreReloadSignal } from '../runtime/config-reload';
import { configFromFlags } from '../runtime/load-config';
import { makeTelemetry } from '../runtime/telemetry';
import { TelemetryModule } from '../runtime/telemetry.module';
import { CONFIG_FLAG } from './edge.command';

export const dispatcherCommand: CommandSpec = {
  name: 'dispatcher',
  summary: 'Run a dispatcher: factory devices wait on dispatcher_listen until a provider registers them (dispatcher_api_listen); serves the CRL.',
  flags: [CONFIG_FLAG],
  async run(flags) {
    // Its files (accounts) are read at every request; nothing else reloads.
    ignoreReloadSignal();
    const config = configFromFlags(flags);
    requireDispatcherConfig(config);
    const telemetry = makeTelemetry(config);
    const live = new ConfigHolder(config, systemClock.now);
    await startApps(
      [DispatcherModule.register({ config, logger: telemetry.logger, clock: systemClock }), TelemetryModule.register({ telemetry, live })],
      telemetry.logger,
    );
    return untilSignal();
  },
};

export const dispatcherAccountCommand: CommandSpec = {
  name: 'dispatcher-account',
  summary: "Add a provider account to a dispatcher's account file, or change its password (stored as a scrypt hash).",
  flags: [
    { name: 'accounts', value: 'FILE', help: 'The account file (dispatcher_accounts); created when missing.' },
    { name: 'user', value: 'NAME', help: 'Account name (letters, digits, . _ @ -).' },
    { name: 'password', value: 'PASS', help: 'Its password (or TETHER_DISPATCHER_PASSWORD).' },
  ],
  async run(flags) {
    const file = str(flags, 'accounts');
    const user = str(flags, 'user');
    const password = str(flags, 'password') ?? environmentValue('TETHER_DISPATCHER_PASSWORD');
    if (!file) throw new UsageError('--accounts is required');
    if (!user) throw new UsageError('--user is required');
    if (!password) throw new UsageError('--password (or TETHER_DISPATCHER_PASSWORD) is required');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const next = await withAccount(text, file, user, password);
    // Renamed into place: the dispatcher reads the file at every request and must never see half of it.
    writeFileAtomicSync(file, next, SECRET_MODE);
    process.stderr.write(`account ${user} written to ${file}\n`);
  },
};

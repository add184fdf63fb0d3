import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DeviceRegistry, DeviceTunnelService, EdgeModule } from '@tether/app-edge';
import { ControlModule, requireAdminListener } from '@tether/app-control';
import { GatewayModule } from '@tether/app-gateway';
import { TetherConfig, formatListen, parseConfig } from '@tether/config';
import { issueDeviceCert, issueServerCert, setupDispatcherCa, setupProviderCa } from '@tether/pki';
import { CommandSpec, str } from '../cli/flags';
import { makeEdgeLink } from '../runtime/adapters';
import { startApps, untilSignal } from '../runtime/app-runner';
import { configFromFlags } from '../runtime/load-config';
import { makeTelemetry } from '../runtime/telemetry';
import { TelemetryModule } from '../runtime/telemetry.module';
import { LocalEdgeLink } from '../runtime/local-edge-link';
import { makeProcessDeps } from '../runtime/run-apps';
import { TETHER_VERSION } from '../runtime/version';
import { CONFIG_FLAG } from './edge.command';

const DEMO_MAC = '00408c000001';

/** The embedded default: loopback listeners, in-memory state, a development PKI under <dir>/pki. */
function defaultConfigText(dir: string): string {
  return [
    '# Tether embedded default: one process, in-memory state, loopback only.',
    // The file is informational (rewritten at each start), so say how to really change a setting.
    '# Rewritten at every start. To change settings, copy it and run `tether server --config <copy>`,',
    '# or override single keys with TETHER_<KEY> environment variables (e.g. TETHER_LISTEN_USER).',
    'stserverid = tether',
    'listen_client = 127.0.0.1:8443',
    'listen_user = 127.0.0.1:3128',
    'listen_user_ext = 127.0.0.1:8081',
    'listen_admin = 127.0.0.1:8080',
    `cert_file = ${join(dir, 'pki', 'server.pem')}`,
    `ca_cert_file = ${join(dir, 'pki', 'dispatcher', 'dispatcher_ca.crt')}`,
    `provider_ca = ${join(dir, 'pki', 'provider', 'stserver_ca.crt')}`,
    'provider_name = development',
    '',
  ].join('\n');
}

/** First run: provider CA, a server certificate for loopback, a dispatcher CA and one demo device. */
async function ensureDevPki(dir: string, say: (line: string) => void): Promise<void> {
  const pki = join(dir, 'pki');
  const provider = join(pki, 'provider');
  const dispatcher = join(pki, 'dispatcher');
  if (existsSync(join(pki, 'server.pem'))) return;
  say(`creating a development PKI in ${pki} (EC P-256; use \`tether pki\` for production CAs)`);
  mkdirSync(join(pki, 'devices'), { recursive: true });
  await setupProviderCa({ dir: provider, name: 'Tether development provider CA', keyType: 'ec-p256', force: true });
  await issueServerCert({
    dir: provider,
    hosts: ['localhost', '127.0.0.1', '::1'],
    out: join(pki, 'server.pem'),
    keyType: 'ec-p256',
  });
  await setupDispatcherCa({ dir: dispatcher, name: 'Tether development dispatcher CA', keyType: 'ec-p256', force: true });
  await issueDeviceCert({ dir: dispatcher, mac: DEMO_MAC, out: join(pki, 'devices', `${DEMO_MAC}.pem`) });
}

/** A word as a POSIX shell reads it back: paths with spaces or quotes must survive copy and paste. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to run this very program from any directory. Not `npx tether`: "another terminal" may be
 * elsewhere, and there npx would fetch the unrelated `tether` package from the npm registry.
 */
function selfCommand(): string {
  let script = process.argv[1] ?? 'tether';
  try {
    script = realpathSync(script);
  } catch {
    // keep it as given
  }
  return `node ${shellQuote(script)}`;
}

function printHowTo(config: TetherConfig, dir: string): void {
  const client = formatListen(config.listen_client);
  const user = formatListen(config.listen_user);
  const cert = shellQuote(join(dir, 'pki', 'devices', DEMO_MAC + '.pem'));
  const lines = [
    '',
    'Tether is running. Connect a simulated camera (in another terminal):',
    `  ${selfCommand()} agent --servers ${client} --cert ${cert} \\`,
    `      --ca ${shellQuote(config.provider_ca)} --simulate`,
    'then reach its web server through the proxy:',
    `  curl -x ${user} -u root:pass "http://${DEMO_MAC}/axis-cgi/param.cgi?action=list&group=root.RemoteService"`,
    'and list the connected devices:',
    `  curl "http://${formatListen(config.listen_admin)}/admin/status.cgi"`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export const serverCommand: CommandSpec = {
  name: 'server',
  summary: 'Run edge + gateway + control in one process with in-memory state (the embedded default without --config).',
  flags: [
    CONFIG_FLAG,
    { name: 'dir', value: 'DIR', help: 'Where the embedded default keeps its development PKI.', default: 'var' },
  ],
  async run(flags) {
    const dir = resolve(str(flags, 'dir') ?? 'var');
    const embedded = !str(flags, 'config');
    if (embedded) {
      mkdirSync(dir, { recursive: true });
      await ensureDevPki(dir, (l) => process.stdout.write(l + '\n'));
      writeFileSync(join(dir, 'tether.conf'), defaultConfigText(dir));
    }
    const config = embedded ? parseConfig(defaultConfigText(dir), join(dir, 'tether.conf')) : configFromFlags(flags);
    requireAdminListener(config);
    const telemetry = makeTelemetry(config);
    // The embedded default's file is rewritten at every start: only a --config file is reloaded.
    const reloadFile = embedded ? null : (str(flags, 'config') ?? null);
    // Streams to this process's own edge run over an in-memory Link; other addresses over gRPC.
    const local = new LocalEdgeLink(makeEdgeLink(config));
    const deps = makeProcessDeps(config, telemetry, reloadFile, local);
    const { logger } = deps;
    const app = await startApps(
      [
        EdgeModule.register(deps),
        GatewayModule.register(deps),
        ControlModule.register({ ...deps, version: TETHER_VERSION }),
        TelemetryModule.register({ telemetry, live: deps.live }),
      ],
      logger,
    );
    local.bind(app.get(DeviceTunnelService), app.get(DeviceRegistry).address);
    if (embedded) printHowTo(config, dir);
    return untilSignal();
  },
};

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAMERA_AUTH, CameraAuth, DeviceFleet, DeviceIdentity, parseServerList, parseTarget } from '@tether/app-device-agent';
import { certificateSubject, loadCa, mintDeviceCredentials, splitPem } from '@tether/pki';
import { macPlus, normalizeMac } from '@tether/protocol';
import { LOG_LEVELS, LogLevel, Logger, systemClock } from '@tether/telemetry';
import { CommandSpec, ParsedFlags, UsageError, int, str } from '../cli/flags';
import { untilSignal } from '../runtime/app-runner';
import { ignoreReloadSignal } from '../runtime/config-reload';

/** Agent flags may also come from a file of `flag = value` lines (`--config`); flags win. */
function withConfigFile(flags: ParsedFlags): ParsedFlags {
  const file = str(flags, 'config');
  if (!file) return flags;
  const fromFile: ParsedFlags = {};
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const m = /^([a-z0-9_-]+)\s*=\s*(.*)$/.exec(t);
      if (!m) throw new UsageError(`${file}:${i + 1}: expected "flag = value"`);
      const name = m[1].replace(/_/g, '-');
      if (!agentCommand.flags.some((f) => f.name === name) || name === 'config')
        throw new UsageError(`${file}:${i + 1}: unknown setting "${m[1]}"`);
      fromFile[name] = m[2] === '' ? true : m[2];
    });
  return { ...fromFile, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
}

function cameraAuth(value: string | undefined): CameraAuth | undefined {
  if (value === undefined) return undefined;
  if (!(CAMERA_AUTH as readonly string[]).includes(value)) throw new UsageError(`--camera-auth must be one of ${CAMERA_AUTH.join(', ')}`);
  return value as CameraAuth;
}

function macOfCertificate(pem: string, file: string): string {
  const cn = certificateSubject(pem).CN?.[0] ?? '';
  const mac = normalizeMac(cn);
  if (!mac) throw new UsageError(`${file}: certificate CN "${cn}" is not a MAC address`);
  return mac;
}

function identityFromFile(file: string): DeviceIdentity {
  const text = readFileSync(file, 'utf8');
  const { certificates, privateKey } = splitPem(text);
  if (!certificates.length || !privateKey) throw new UsageError(`${file} must hold the device certificate and its key`);
  return { mac: macOfCertificate(certificates[0], file), certPem: certificates.join('\n'), keyPem: privateKey };
}

async function identities(flags: ParsedFlags, count: number): Promise<DeviceIdentity[]> {
  const cert = str(flags, 'cert');
  const certDir = str(flags, 'cert-dir');
  const issueFrom = str(flags, 'issue-from');
  if (cert) {
    if (count !== 1) throw new UsageError('--cert is one device; use --cert-dir or --issue-from with --count');
    return [identityFromFile(cert)];
  }
  const first = normalizeMac(str(flags, 'mac') ?? '');
  if (!first) throw new UsageError('--mac (the first MAC) is needed with --cert-dir or --issue-from');
  const macs = Array.from({ length: count }, (_, i) => macPlus(first, i));
  if (certDir) return macs.map((m) => identityFromFile(join(certDir, `${m}.pem`)));
  if (issueFrom) {
    const ca = await loadCa({ dir: issueFrom, kind: 'dispatcher' });
    const out: DeviceIdentity[] = [];
    for (const mac of macs) {
      const { certPem, keyPem } = await mintDeviceCredentials(ca, mac);
      out.push({ mac, certPem, keyPem });
    }
    return out;
  }
  throw new UsageError('give the device certificate: --cert, --cert-dir or --issue-from');
}

export const agentCommand: CommandSpec = {
  name: 'agent',
  summary: 'Run the O3C device client: connect to the server list and serve a target or a virtual camera.',
  flags: [
    { name: 'config', value: 'FILE', help: 'File of `flag = value` lines (any flag below); flags given here win.' },
    { name: 'servers', value: 'HOST:PORT[,...]', help: 'Server list, tried in order.' },
    { name: 'cert', value: 'FILE', help: 'Device certificate and key (PEM); its CN is the MAC.' },
    { name: 'ca', value: 'FILE', help: 'Provider CA (stserver_ca.crt) the server certificate must chain to; in factory state, the CA of the dispatcher\'s certificate.' },
    { name: 'oak', value: 'XXXX-XXXX-XXXX', help: 'Owner authentication key of a device in factory state (sent to the dispatcher; the virtual camera lists it).' },
    { name: 'target', value: 'URL', help: 'The device web server to expose, e.g. http://192.168.0.90.' },
    { name: 'simulate', help: 'Serve a built-in virtual camera (VAPIX subset) instead of --target.' },
    { name: 'count', value: 'N', help: 'Run N devices with consecutive MACs from --mac.', default: '1' },
    { name: 'mac', value: 'MAC', help: 'First MAC of the fleet (with --cert-dir or --issue-from).' },
    { name: 'cert-dir', value: 'DIR', help: 'Directory of <mac>.pem device certificates for --count.' },
    { name: 'issue-from', value: 'DIR', help: 'Dispatcher CA directory: mint device certificates in memory (tests, load).' },
    { name: 'max-conn', value: 'N', help: 'Concurrent requests each device serves.', default: '16' },
    { name: 'root-password', value: 'PASS', help: 'Root password of the virtual camera.', default: 'pass' },
    { name: 'fps', value: 'N', help: 'Default MJPEG frame rate of the virtual camera.', default: '10' },
    { name: 'camera-auth', value: 'both|digest|basic', help: 'Schemes the virtual camera accepts and offers.', default: 'both' },
    { name: 'nonce-ttl', value: 'MS', help: 'How long a Digest nonce of the virtual camera stays fresh.', default: '600000' },
    { name: 'keepalive', value: 'SECONDS', help: 'SSH keepalive interval.', default: '20' },
    { name: 'reconnect-jitter', value: 'MS', help: 'Random delay before reconnecting after a drop.', default: '2000' },
    { name: 'ramp', value: 'MS', help: 'Spread the first connections of --count devices over this time.', default: '0' },
    {
      name: 'state-dir',
      value: 'DIR',
      help: "Keep each device's server list, CA and provisioning in DIR/<mac>.json, as a camera keeps them in flash: a restarted agent comes back where it was, not in factory state.",
    },
    { name: 'loglevel', value: '0-4', help: 'Log level (0 nothing ... 4 debug).', default: '3' },
  ],
  async run(given) {
    // Nothing reloads in an agent: SIGUSR1 (sent to every tether process) is ignored.
    ignoreReloadSignal();
    const flags = withConfigFile(given);
    const count = int(flags, 'count', 1) ?? 1;
    const servers = parseServerList(str(flags, 'servers') ?? '');
    if (!servers.length) throw new UsageError('--servers is required');
    const caFile = str(flags, 'ca');
    if (!caFile) throw new UsageError('--ca (provider CA) is required');
    const targetUrl = str(flags, 'target');
    if (!targetUrl === !flags.simulate) throw new UsageError('give exactly one of --target URL and --simulate');
    const oak = str(flags, 'oak');
    if (oak !== undefined && !/^[0-9A-Fa-f]{4}(-?[0-9A-Fa-f]{4}){2}$/.test(oak)) throw new UsageError('--oak must look like 5A8A-26D0-52AC');
    if (oak !== undefined && count !== 1) throw new UsageError('--oak is one device (each device has its own OAK)');
    const level = int(flags, 'loglevel') ?? 3;
    const logger = new Logger({ level: Math.min(level, LOG_LEVELS.debug) as LogLevel }).child('agent');
    const t = targetUrl ? parseTarget(targetUrl) : undefined;
    const fleet = new DeviceFleet({
      servers,
      caPem: readFileSync(caFile, 'utf8'),
      identities: await identities(flags, count),
      target: t
        ? { kind: 'tcp', ...t }
        : {
            kind: 'simulate',
            password: str(flags, 'root-password') ?? 'pass',
            fps: int(flags, 'fps', 1) ?? 10,
            auth: cameraAuth(str(flags, 'camera-auth')),
            nonceTtlMs: int(flags, 'nonce-ttl', 1),
          },
      maxConn: int(flags, 'max-conn', 1) ?? 16,
      keepaliveMs: (int(flags, 'keepalive', 1) ?? 20) * 1000,
      connectTimeoutMs: 15_000,
      reconnectJitterMs: int(flags, 'reconnect-jitter') ?? 2000,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      rampMs: int(flags, 'ramp') ?? 0,
      firmware: '11.11.0-tether',
      oak,
      logger,
      clock: systemClock,
      stateDir: str(flags, 'state-dir'),
    });
    fleet.start();
    logger.notice(`${count} device(s) starting, servers ${servers.join(',')}${oak ? `, OAK ${oak}` : ''}`);
    const stop = () => {
      fleet.stop();
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return untilSignal();
  },
};

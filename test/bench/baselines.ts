// The baselines of `npm run bench`, measured in the same run as tether: what an operator could use instead.
//   - OpenSSH reverse tunnel inside TLS (the O3C shape built from C tools): sshd behind an stunnel server, an
//     stunnel client on the "device side", and `ssh -N -R` through it; the load goes to the port that sshd
//     opens for the -R forwarding, and reaches the origin through ssh inside TLS.
//   - haproxy, one HTTP hop (`mode http`) in front of the origin.
// Everything on 127.0.0.1, in a temp dir, each program a child process of the bench, stopped by `stop()`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '@tether/testing';
import { aptInstall, Daemon, descendants, run, signalPids, Watched, which } from './proc';

/** A path under test other than tether: plain HTTP requests to `port` (small, bulk) and `uploadPort` (upload). */
export interface Baseline {
  /** What it is, with versions, for the run's particulars. */
  kind: string;
  port: number;
  uploadPort: number;
  /** The path's own processes, for the CPU rows (their names are the rows' names). */
  watched(): Watched[];
  /** Exited processes, if any (a baseline that died during the bench). */
  dead(): string[];
  stop(): Promise<void>;
}

/** What the two origins listen on: small and bulk requests go to `origin`, uploads to `upload`. */
export interface Targets {
  origin: number;
  upload: number;
}

/** The binaries (name -> path), after installing the Debian packages when allowed and missing; else why not. */
async function need(bins: string[], packages: string[], mayInstall: boolean, daemons: string[]): Promise<Record<string, string> | string> {
  const find = () => Object.fromEntries(bins.map((b) => [b, b === 'stunnel' ? (which('stunnel4') ?? which('stunnel')) : which(b)]));
  let found = find();
  const missing = () => bins.filter((b) => !found[b]);
  if (missing().length && mayInstall) {
    console.log(`${missing().join(', ')} not installed: trying \`apt-get install -y ${packages.join(' ')}\` ...`);
    const why = await aptInstall(packages, daemons);
    if (why) return `apt-get install ${packages.join(' ')} failed: ${why}`;
    found = find();
  }
  if (missing().length) return `${missing().join(', ')} not installed (Debian: ${packages.join(' ')})`;
  return found as Record<string, string>;
}

async function mustRun(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}: ${r.stderr.trim()}`);
  return `${r.stdout}${r.stderr}`;
}

function version(bin: string, args: string[], re: RegExp): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 5000 });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '';
}

/**
 * Stops the daemons in order (device side first), then whatever is left of sshd's per-connection processes
 * (they end with their connection, i.e. with ssh; a leftover still named sshd is killed).
 */
async function stopAll(daemons: Daemon[], sessions: () => number[] = () => []): Promise<void> {
  const left = sessions();
  for (const d of daemons) await d.stop().catch(() => undefined);
  signalPids(
    left.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd';
      } catch {
        return false;
      }
    }),
    'SIGKILL',
  );
}

/**
 * OpenSSH reverse tunnel inside TLS: `ssh -N -R` (device side) -> stunnel client -> TLS -> stunnel server ->
 * sshd. `port` and `uploadPort` are sshd's -R listeners; they reach `targets` on the device side.
 */
export async function startOpenSsh(dir: string, targets: Targets, mayInstall: boolean): Promise<Baseline | string> {
  const bins = await need(
    ['sshd', 'ssh', 'ssh-keygen', 'stunnel', 'openssl'],
    ['openssh-server', 'openssh-client', 'stunnel4', 'openssl'],
    mayInstall,
    ['sshd', 'stunnel4', 'stunnel'],
  );
  if (typeof bins === 'string') return bins;
  const f = (name: string) => join(dir, name);
  const daemons: Daemon[] = [];
  let sshd: Daemon | undefined;
  const sessions = () => (sshd?.pid ? descendants(sshd.pid).slice(1) : []);
  try {
    // sshd's privilege separation directory (root-owned, not group/world-writable).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    await mustRun(bins['ssh-keygen'], ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-host', '-f', f('host_ed25519')]);
    await mustRun(bins['ssh-keygen'], ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-device', '-f', f('device_ed25519')]);
    writeFileSync(f('authorized_keys'), readFileSync(f('device_ed25519.pub')));
    // One self-signed P-256 certificate for both stunnels, each verifying the other against it (mutual TLS).
    await mustRun(bins.openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', f('tls-key.pem'), '-out', f('tls-cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1',
    ]);

    const [sshdPort, tlsPort, plainPort, port, uploadPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    writeFileSync(
      f('sshd_config'),
      [
        `Port ${sshdPort}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${f('host_ed25519')}`,
        `PidFile ${f('sshd.pid')}`,
        `AuthorizedKeysFile ${f('authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding yes',
        'GatewayPorts no',
        'X11Forwarding no',
        'AllowAgentForwarding no',
        'PrintMotd no',
        'UseDNS no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    sshd = new Daemon('sshd', bins.sshd, ['-D', '-e', '-f', f('sshd_config')]);
    daemons.unshift(sshd);
    await sshd.until(() => waitForPort(sshdPort, '127.0.0.1', 10_000), 11_000, `a listener on ${sshdPort}`);

    const stunnelConf = (name: string, service: string[]) =>
      [
        'foreground = yes',
        'syslog = no',
        `pid = ${f(`stunnel-${name}.pid`)}`,
        'debug = info',
        '[ssh]',
        `cert = ${f('tls-cert.pem')}`,
        `key = ${f('tls-key.pem')}`,
        `CAfile = ${f('tls-cert.pem')}`,
        'verifyPeer = yes',
        ...service,
        '',
      ].join('\n');
    writeFileSync(f('stunnel-server.conf'), stunnelConf('server', [`accept = 127.0.0.1:${tlsPort}`, `connect = 127.0.0.1:${sshdPort}`]));
    writeFileSync(f('stunnel-device.conf'), stunnelConf('device', ['client = yes', `accept = 127.0.0.1:${plainPort}`, `connect = 127.0.0.1:${tlsPort}`]));
    const server = new Daemon('stunnel (server side)', bins.stunnel, [f('stunnel-server.conf')]);
    daemons.unshift(server);
    await server.until(() => waitForPort(tlsPort, '127.0.0.1', 10_000), 11_000, `a listener on ${tlsPort}`);
    const device = new Daemon('stunnel (device side)', bins.stunnel, [f('stunnel-device.conf')]);
    daemons.unshift(device);
    await device.until(() => waitForPort(plainPort, '127.0.0.1', 10_000), 11_000, `a listener on ${plainPort}`);

    const ssh = new Daemon('ssh', bins.ssh, [
      '-N', '-F', '/dev/null',
      '-R', `127.0.0.1:${port}:127.0.0.1:${targets.origin}`,
      '-R', `127.0.0.1:${uploadPort}:127.0.0.1:${targets.upload}`,
      '-p', String(plainPort), '-i', f('device_ed25519'),
      '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ExitOnForwardFailure=yes',
      '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'LogLevel=ERROR',
      'root@127.0.0.1',
    ]);
    daemons.unshift(ssh);
    await ssh.until(
      async () => {
        await waitForPort(port, '127.0.0.1', 15_000);
        await waitForPort(uploadPort, '127.0.0.1', 15_000);
      },
      16_000,
      `the tunnel (ports ${port}, ${uploadPort})`,
    );

    // The session processes of sshd (monitor and the session's own) are there once the tunnel is up.
    const sshdPids = descendants(sshd.pid!);
    const sshVersion = version(bins.ssh, ['-V'], /(OpenSSH_[\w.]+)/);
    const stunnelVersion = version(bins.stunnel, ['-version'], /stunnel ([\d.]+)/);
    const cipher = version(bins.ssh, ['-G', '-F', '/dev/null', '127.0.0.1'], /^ciphers ([^,\s]+)/m);
    const tls = /(TLSv[\d.]+) ciphersuite: (\S+)/.exec(device.output);
    return {
      kind:
        `${sshVersion || 'OpenSSH'} (\`ssh -N -R\`, ssh cipher ${cipher || 'default'}) inside stunnel ${stunnelVersion} ` +
        `(${tls ? `${tls[1]} ${tls[2]}` : 'TLS'}, mutual, self-signed P-256)`,
      port,
      uploadPort,
      watched: () => [
        { name: 'sshd', pid: sshdPids },
        { name: 'ssh', pid: ssh.pid },
        { name: 'stunnel-server', pid: server.pid },
        { name: 'stunnel-device', pid: device.pid },
      ],
      dead: () => daemons.filter((d) => !d.running).map((d) => `${d.name}: ${d.output.trim().slice(-500)}`),
      stop: () => stopAll(daemons, sessions),
    };
  } catch (err) {
    await stopAll(daemons, sessions);
    throw err;
  }
}

/** haproxy, `mode http`, one frontend per target. */
export async function startHaproxy(dir: string, targets: Targets, mayInstall: boolean): Promise<Baseline | string> {
  const bins = await need(['haproxy'], ['haproxy'], mayInstall, ['haproxy']);
  if (typeof bins === 'string') return bins;
  const [port, uploadPort] = [await freePort(), await freePort()];
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  maxconn 4096

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s

frontend small
  bind 127.0.0.1:${port}
  default_backend origin

frontend upload
  bind 127.0.0.1:${uploadPort}
  default_backend upload

backend origin
  server origin 127.0.0.1:${targets.origin}

backend upload
  server upload 127.0.0.1:${targets.upload}
`,
  );
  const haproxy = new Daemon('haproxy', bins.haproxy, ['-f', cfg, '-db']);
  try {
    await haproxy.until(
      async () => {
        await waitForPort(port, '127.0.0.1', 10_000);
        await waitForPort(uploadPort, '127.0.0.1', 10_000);
      },
      11_000,
      `listeners on ${port}, ${uploadPort}`,
    );
  } catch (err) {
    await haproxy.stop();
    throw err;
  }
  const v = version(bins.haproxy, ['-v'], /HA-?Proxy version ([\d.]+)/i);
  const threads = () => {
    try {
      return Number(/^Threads:\s*(\d+)/m.exec(readFileSync(`/proc/${haproxy.pid}/status`, 'utf8'))?.[1]) || undefined;
    } catch {
      return undefined;
    }
  };
  const n = threads();
  return {
    kind: `haproxy ${v} (\`mode http\`, keep-alive both sides${n ? `, ${n} thread${n === 1 ? '' : 's'}` : ''})`,
    port,
    uploadPort,
    watched: () => [{ name: 'haproxy', pid: haproxy.pid }],
    dead: () => (haproxy.running ? [] : [`haproxy: ${haproxy.output.trim().slice(-500)}`]),
    stop: () => haproxy.stop(),
  };
}

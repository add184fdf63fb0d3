import * as http from 'node:http';
import * as https from 'node:https';
import { CommandSpec, UsageError, int, str } from '../cli/flags';

/** The rebalance.cgi URL of control's admin listener. */
export function rebalanceUrl(admin: string, rate: number | undefined, dryRun: boolean): URL {
  let base: URL;
  try {
    base = new URL(admin);
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:8080, got "${admin}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--admin must be an http:// or https:// URL, got "${admin}"`);
  const url = new URL('/admin/rebalance.cgi', base);
  if (rate !== undefined) url.searchParams.set('rate', String(rate));
  if (dryRun) url.searchParams.set('dry_run', '1');
  return url;
}

export const rebalanceCommand: CommandSpec = {
  name: 'rebalance',
  summary: "Move devices so every edge holds about the same number (control's rebalance.cgi), printing its progress.",
  usage: 'rebalance --admin http://host:port [--rate N] [--user U --pass P] [--dry-run]',
  flags: [
    { name: 'admin', value: 'URL', help: "Control's administration listener (listen_admin or listen_admin_https), e.g. http://127.0.0.1:8080." },
    { name: 'rate', value: 'N', help: 'Devices redirected per second (default: control\'s rebalance_rate).' },
    { name: 'user', value: 'USER', help: 'admin_credentials user (HTTP Basic).' },
    { name: 'pass', value: 'PASS', help: 'admin_credentials password.' },
    { name: 'dry-run', help: 'Print the plan, move nothing.' },
    { name: 'insecure', help: 'Do not verify the certificate of an https:// admin listener.' },
  ],
  run: async (flags) => {
    const admin = str(flags, 'admin');
    if (!admin) throw new UsageError('--admin is required');
    const rate = int(flags, 'rate', 1);
    const user = str(flags, 'user');
    const pass = str(flags, 'pass');
    if ((user === undefined) !== (pass === undefined)) throw new UsageError('--user and --pass go together');
    const url = rebalanceUrl(admin, rate, flags['dry-run'] === true);
    const headers: Record<string, string> = {};
    if (user !== undefined) headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const get = url.protocol === 'https:' ? https.get : http.get;
    return new Promise<number>((resolve, reject) => {
      // Stopping the command stops the moves not issued yet (control sees the connection close).
      const stop = (sig: NodeJS.Signals) => req.destroy(new Error(`stopped (${sig})`));
      const done = (settle: () => void) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        settle();
      };
      const req = get(url, { headers, rejectUnauthorized: flags.insecure !== true }, (res) => {
        const ok = res.statusCode === 200;
        // Progress as it comes: the answer streams for as long as the moves take.
        res.pipe(ok ? process.stdout : process.stderr, { end: false });
        res.on('end', () => done(() => resolve(ok ? 0 : 1)));
        res.on('error', (err) => done(() => reject(err)));
      });
      req.on('error', (err) => done(() => reject(new Error(`cannot reach ${url.origin}: ${err.message}`))));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};

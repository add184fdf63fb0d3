import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { TetherConfig } from '@tether/config';

/**
 * Reference 3: `listen_admin` or `listen_admin_https` (or both) must be set; both empty is refused
 * at start, before any listener opens.
 */
export function requireAdminListener(config: TetherConfig): void {
  if (config.listen_admin || config.listen_admin_https) return;
  throw new Error(
    'control needs listen_admin (HTTP) or listen_admin_https (HTTPS with cert_file), or both; neither is set',
  );
}

/** TLS for listen_admin_https: cert_file holds the server certificate and its key in one PEM, as for listen_client. */
export function adminTlsOptions(config: TetherConfig): SecureContextOptions {
  if (!config.cert_file) throw new Error('listen_admin_https needs cert_file (server certificate and key in one PEM)');
  let pem: Buffer;
  try {
    pem = readFileSync(config.cert_file);
  } catch (err) {
    throw new Error(`listen_admin_https: cannot read cert_file ${config.cert_file}: ${(err as Error).message}`);
  }
  return { cert: pem, key: pem };
}

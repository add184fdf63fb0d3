import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { TetherConfig } from '@tether/config';

/**
 * TLS for dispatcher_listen, like an edge's listen_client: cert_file (OU=ST Server, the CA factory devices
 * trust), device certificates signed by ca_cert_file. Unverified clients are refused by the listener after
 * the handshake, so the log can say who and why.
 */
export function dispatcherTlsOptions(config: TetherConfig): TlsOptions {
  const pem = readFileSync(config.cert_file);
  return {
    cert: pem,
    key: pem,
    ca: readFileSync(config.ca_cert_file),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    ...(config.ciphers || config.ciphersuites ? { ciphers: [config.ciphersuites, config.ciphers].filter(Boolean).join(':') } : {}),
    handshakeTimeout: 15_000,
  };
}

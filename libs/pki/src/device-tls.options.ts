import { readFileSync } from 'node:fs';
import { constants, createHash, createPrivateKey, hkdfSync } from 'node:crypto';
import type { SecureVersion, TlsOptions } from 'node:tls';
import type { TetherConfig } from '@tether/config';

const VERSIONS: Array<[SecureVersion, keyof TetherConfig]> = [
  ['TLSv1', 'client_disable_tls_1_0'],
  ['TLSv1.1', 'client_disable_tls_1_1'],
  ['TLSv1.2', 'client_disable_tls_1_2'],
  ['TLSv1.3', 'client_disable_tls_1_3'],
];

/**
 * TLS for a device listener (an edge's listen_client, the dispatcher's dispatcher_listen): our certificate;
 * devices must present one signed by ca_cert_file, which the listener checks on the finished handshake
 * (see rejectUnauthorized).
 */
export function deviceTlsOptions(config: TetherConfig): TlsOptions {
  if (!config.cert_file) throw new Error('a device listener (listen_client, dispatcher_listen) needs cert_file (server certificate and key)');
  if (!config.ca_cert_file) throw new Error('a device listener (listen_client, dispatcher_listen) needs ca_cert_file (the CA that signs device certificates)');
  const pem = readFileSync(config.cert_file);
  const enabled = VERSIONS.filter(([, key]) => !config[key]).map(([v]) => v);
  if (!enabled.length) throw new Error('every TLS version is disabled (client_disable_tls_*)');
  const ciphers = [config.ciphersuites, config.ciphers].filter(Boolean).join(':');
  const ca = readFileSync(config.ca_cert_file);
  return {
    cert: pem,
    key: pem,
    ca,
    requestCert: true,
    // Checked by DeviceListener on the finished handshake instead: node's own rejection destroys the
    // socket before anyone can log who it was (remoteAddress undefined) or why ("socket hang up").
    // The peer gets the same as before: the connection closes before any byte of SSH.
    rejectUnauthorized: false,
    minVersion: enabled[0],
    maxVersion: enabled[enabled.length - 1],
    ...(ciphers ? { ciphers } : {}),
    handshakeTimeout: 15_000,
    ...sessionResumption(pem, ca, config.client_tls_session_lifetime),
  };
}

/**
 * TLS session tickets whose keys every edge with the same certificate **and the same ca_cert_file** derives
 * alike: a device that comes back, to this edge or (after a failover) to another one, resumes its session
 * and neither side verifies certificate chains or signs again. The ticket carries the device's verified
 * certificate, so its MAC is known as after a full handshake; it stays valid `lifetimeS` (0: no tickets).
 * The CA is part of the derivation: a resumed session skips the chain check, so an edge that trusts other
 * CAs must not be able to open another edge's tickets (it would admit devices it does not trust).
 */
function sessionResumption(pem: Buffer, ca: Buffer, lifetimeS: number): Partial<TlsOptions> {
  if (!lifetimeS) return { secureOptions: constants.SSL_OP_NO_TICKET };
  const secret = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  const trust = createHash('sha256').update(ca).digest();
  const ticketKeys = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([Buffer.from('tether'), trust]), 'listen_client TLS session tickets', 48));
  // Node's default session id context hashes the process's arguments (each edge has its own config file),
  // and OpenSSL refuses to resume a session with client authentication from another context (32 bytes at most).
  return { ticketKeys, sessionTimeout: lifetimeS, sessionIdContext: `tether-${trust.toString('hex').slice(0, 24)}` };
}

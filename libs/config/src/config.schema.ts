import { hostname } from 'node:os';
import { bool, hostPort, httpUrl, int, list, listen, str, urlList } from './key-kinds';
import { ConfigOf } from './schema.types';

/**
 * Every configuration key, O3C names where O3C has one. The type `TetherConfig` is derived from this
 * object, so a key exists in code only if it is declared (and documented) here.
 */
export const CONFIG_SCHEMA = {
  stserverid: str('Identity of this process (edge id in presence, X-Stserver-Id in notifications).', hostname()),
  listen_client: listen('Device listener (TLS + SSH), address:port. Empty: no device listener.'),
  listen_user: listen('HTTP forward proxy for users, address:port.'),
  listen_user_ext: listen('Shortcut interface, address:port.'),
  listen_admin: listen('Administration interface (HTTP), address:port.'),
  listen_admin_https: listen('Administration interface (HTTPS with cert_file), address:port. Control needs this or listen_admin.'),
  listen_metrics: listen('Prometheus exposition (`/metrics`), address:port. Empty: none (control also serves it on its admin listeners).'),
  cert_file: str('PEM file with the server certificate (OU=ST Server) and its private key.'),
  ca_cert_file: str('PEM file with the CA(s) that sign device certificates (dispatcher client CA).'),
  provider_ca: str('PEM file with the provider CA certificate (stserver_ca.crt).'),
  provider_name: str('Provider account name.'),
  credentials: str('user:pass the server uses to authenticate to devices (internal authentication).', '', {
    secret: true,
    live: true,
  }),
  force_authentication_mode: int(
    'Internal authentication towards devices: 0 auto (answer the challenge the device sends: Digest when offered, else Basic), 1 always Basic, 2 always Digest.',
    0,
    { min: 0, max: 2, live: true },
  ),
  keepalive: int('Seconds between SSH keepalives; a device missing three is dropped.', 20, { min: 1, max: 3600 }),
  loglevel: int('0 nothing, 1 error, 2 warning, 3 notice, 4 debug.', 3, { min: 0, max: 4, live: true }),
  logfile: str('Log file; empty logs to standard error.', '', { live: true }),
  logrotation_filesize: int('Rotate the log file once it exceeds this many bytes (checked every minute); 0: never.', 0, {
    min: 0,
    live: true,
  }),
  logrotation_nightly: bool('Rotate the log file when passing midnight, local time (checked every minute).', false, {
    live: true,
  }),
  logrotation_keep: int('Rotated log files kept (<logfile>.1 is the newest).', 5, { min: 1, max: 1000, live: true }),
  logrotation_check_interval: int(
    'Seconds between the checks of logrotation_filesize and logrotation_nightly. O3C checks every minute; a shorter interval is for tests (and operators who must bound the overshoot).',
    60,
    { min: 1, max: 3600 },
  ),
  syslog: bool('Also log to the local syslog (/dev/log).', false, { live: true }),
  syslog_server: str('Also log to this syslog server over UDP, host:port (RFC 3164 lines).', '', { live: true }),
  ciphers: str('OpenSSL cipher list for TLS 1.2 and below on listen_client.'),
  ciphersuites: str('TLS 1.3 cipher suites on listen_client.'),
  client_disable_tls_1_0: bool('Refuse TLS 1.0 from devices.', true),
  client_disable_tls_1_1: bool('Refuse TLS 1.1 from devices.', true),
  client_disable_tls_1_2: bool('Refuse TLS 1.2 from devices.', false),
  client_disable_tls_1_3: bool('Refuse TLS 1.3 from devices.', false),
  crl_url: httpUrl(
    "Edge: the CRL of the device CA (ca_cert_file), http:// or https://; fetched at start, then again at the CRL's nextUpdate and at least every crl_refresh s. Empty: none.",
  ),
  crl_path: str(
    'Edge: a CRL file (PEM or DER), re-read every crl_refresh s. With crl_url: where the last good CRL fetched is kept, so a restart without the network still has one.',
  ),
  crl_mode: str(
    'Edge: auto (soft when crl_url or crl_path is set, else off), off (no check), soft (refuse revoked devices; while no valid CRL is loaded accept and warn), strict (refuse every device while no valid CRL is loaded).',
    'auto',
    { oneOf: ['auto', 'off', 'soft', 'strict'] },
  ),
  crl_refresh: int('Edge: seconds between two loads of the CRL at most (a failed load is retried after min(30, crl_refresh) s).', 3600, {
    min: 1,
    max: 604800,
  }),
  client_dictates_max_conn: bool(
    'Refuse requests beyond the concurrency a device reports instead of queueing them.',
    false,
    { live: true },
  ),
  request_queue_limit: int('Requests that may wait for a busy device before new ones are refused.', 1024, {
    min: 0,
    live: true,
  }),
  request_timeout: int('Seconds a device has to start answering a request.', 30, { min: 1, live: true }),
  max_header_size: int('Largest request head (bytes) the proxy accepts.', 16384, { min: 1024, max: 1048576 }),
  redis_url: str('Redis for the cluster (redis://host:port/db). Empty: in-memory, one process.'),
  redis_prefix: str('Prefix of every Redis key.', 'tether:'),
  presence_ttl: int('Seconds a presence claim lives without a heartbeat.', 90, { min: 3 }),
  edge_ttl: int(
    "Edge: seconds its liveness key lives without a heartbeat (refreshed every third): gateways treat a dead edge's devices as offline this soon, long before their claims expire.",
    10,
    { min: 3 },
  ),
  client_handshake_concurrency: int(
    'Edge: device connections in their TLS + SSH handshake at once; more wait (a reconnect storm queues instead of thrashing).',
    256,
    { min: 1 },
  ),
  client_handshake_queue_timeout: int(
    'Edge: seconds a new device connection may wait for a handshake slot; older ones are closed (the device retries after its backoff).',
    10,
    { min: 1 },
  ),
  client_tls_session_lifetime: int(
    'Edge: seconds a device may resume its TLS session (tickets, keys derived from cert_file, so any edge with the same certificate resumes it); 0: no tickets.',
    86400,
    { min: 0, max: 604800 },
  ),
  presence_cache_size: int(
    'Gateway: presence records cached (invalidated through Redis pub/sub on every claim and release); 0: no cache.',
    100000,
    { min: 0 },
  ),
  presence_cache_ttl: int('Gateway: seconds a cached presence record is trusted at most (the safety net).', 30, { min: 1 }),
  grpc_listen: listen('Edge: gRPC listener that gateways and control reach, address:port.'),
  grpc_advertise: str('Edge: host:port other pods use to reach grpc_listen (default: its address).'),
  client_advertise: hostPort(
    'Edge: host:port devices reach listen_client at from outside (NAT, a Kubernetes Service); the server a redirect to this edge names, as it must appear in the devices\' server lists. Default: listen_client.',
  ),
  drain_rate: int('Edge: devices per second a draining edge (SIGTERM) redirects or reconnects to the other edges.', 50, { min: 1 }),
  drain_deadline: int(
    'Edge: seconds a draining edge (SIGTERM) has in all to move its devices and let their requests finish before it exits; also how long a device connection another edge took over may finish its requests. 0: no drain, such connections close at once.',
    30,
    { min: 0, max: 3600 },
  ),
  rebalance_rate: int('Control: devices per second rebalance.cgi redirects when the request names no rate.', 20, { min: 1, max: 10000 }),
  cluster_token: str('Shared secret between gateways/control and edges.', '', { secret: true }),
  admin_credentials: str('user:pass the administration interface requires (HTTP Basic).', '', {
    secret: true,
    live: true,
  }),
  user_credentials: str('user:pass users must present to the proxy (Proxy-Authorization).', '', {
    secret: true,
    live: true,
  }),
  metrics_credentials: str('user:pass that listen_metrics requires (HTTP Basic).', '', { secret: true, live: true }),
  allow_open_listeners: bool('Allow listeners on non-loopback addresses without authentication.', false),
  notify_urls: urlList(
    'Notification receivers (section 6), http:// or https:// URLs, comma separated; every one gets every notification. Empty: none.',
  ),
  notification_ca: str('PEM file with the CA(s) HTTPS notification receivers must chain to. Empty: the system roots.'),
  force_accept_clients: bool(
    'Accept a device when a notification receiver is down or does not answer client_hello in time (a receiver that answers with a refusal is still obeyed).',
    false,
    { live: true },
  ),
  notify_timeout: int('Seconds a notification receiver has to answer (client_hello holds the device for this long at most).', 5, {
    min: 1,
    max: 300,
  }),
  notify_retry_base_ms: int('Milliseconds before the first retry of a queued notification; doubles per attempt, with jitter.', 1000, {
    min: 10,
  }),
  notify_retry_max_ms: int('Largest delay between two attempts of a queued notification (milliseconds).', 30000, { min: 10 }),
  notify_retry_attempts: int(
    'Attempts per queued notification and receiver before it is dropped (the defaults retry for about eight minutes).',
    20,
    { min: 1, max: 1000 },
  ),
  dispatcher_url: str(
    'Control: base URL of the dispatcher\'s provider API (https://host:port) that dispatch.cgi calls. Empty: dispatch.cgi answers 400.',
    '',
    { live: true },
  ),
  dispatcher_ca_bundle: str('Control: PEM file with the CA(s) the dispatcher\'s HTTPS certificate must chain to. Empty: the system roots.', '', {
    live: true,
  }),
  dispatcher_timeout: int('Control: seconds the dispatcher has to answer dispatch.cgi\'s request.', 10, { min: 1, max: 300, live: true }),
  dispatcher_listen: listen('Dispatcher: device listener (TLS + SSH, cert_file, trusting ca_cert_file) for devices in factory state, address:port.'),
  dispatcher_api_listen: listen('Dispatcher: provider API (HTTPS with cert_file: register, unregister), address:port.'),
  dispatcher_crl_listen: listen('Dispatcher: plain HTTP serving the signed CRL at /crl/<dispatcher_crl_id>.crl, address:port.'),
  dispatcher_accounts: str(
    'Dispatcher: file of provider accounts, one `user:scrypt$<salt>$<hash>` line each (`tether dispatcher-account` writes them).',
  ),
  dispatcher_state: str('Dispatcher: JSON file it owns (devices seen, registrations, server lists, revoked serials); written atomically.'),
  dispatcher_ca_dir: str('Dispatcher: the dispatcher CA directory (`tether pki setup-dispatcher-ca`); its key signs the CRL.'),
  dispatcher_ca_password: str('Dispatcher: password of the dispatcher CA key, if it is encrypted.', '', { secret: true }),
  dispatcher_crl_id: str('Dispatcher: the <id> of /crl/<id>.crl. Empty: a UUID made once and kept in dispatcher_state.'),
  dispatcher_crl_validity: int('Dispatcher: seconds from a CRL\'s thisUpdate to its nextUpdate; it is re-signed at half that.', 86400, {
    min: 60,
    max: 31536000,
  }),
  server_list: list('Servers the all-in-one prints for agents (host:port). Default: listen_client.'),
} as const;

export type ConfigSchema = typeof CONFIG_SCHEMA;
export type ConfigKey = keyof ConfigSchema;
export type TetherConfig = ConfigOf<ConfigSchema> & { readonly source: string };

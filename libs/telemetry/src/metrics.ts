/**
 * What the apps report. Labels are small fixed sets (never a device or a request), so a
 * Prometheus implementation stays bounded; the default does nothing.
 */
export const HANDSHAKE_RESULTS = ['ok', 'bad_certificate', 'revoked', 'mac_mismatch', 'tls_error', 'timeout', 'refused'] as const;
export type HandshakeResult = (typeof HANDSHAKE_RESULTS)[number];
export type Direction = 'in' | 'out';
/** The O3C notifications (reference section 6). */
export const NOTIFICATION_KINDS = ['server_up', 'server_down', 'client_hello', 'client_connect', 'client_disconnect'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
/** ok: the receiver answered 2xx; failed: it answered otherwise or could not be reached; dropped: given up (queue full, retries spent). */
export const DELIVERY_RESULTS = ['ok', 'failed', 'dropped'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];
export type ReloadResult = 'ok' | 'failed';
/** Why devices are moved off an edge: its own drain (SIGTERM) or rebalance.cgi. */
export const MOVE_CAUSES = ['drain', 'rebalance'] as const;
export type MoveCause = (typeof MOVE_CAUSES)[number];
/** redirected: it went to the target; reconnected: told to reconnect (the load balancer or its list decides); stayed: the target is not in its server list; failed: the command did not reach it. */
export const MOVE_RESULTS = ['redirected', 'reconnected', 'stayed', 'failed'] as const;
export type MoveResult = (typeof MOVE_RESULTS)[number];

/** A scrape's answer: the text and its Content-Type. */
export interface MetricsExposition {
  contentType: string;
  body: string;
}

export interface TetherMetrics {
  devicesConnected(delta: number): void;
  deviceHandshake(result: HandshakeResult): void;
  /** Edge: an accepted device connection resumed its TLS session (a ticket of this edge or of one with the same cert_file). */
  deviceTlsResumed(): void;
  /** A device moved off an edge by a drain or a rebalance, by outcome. */
  deviceMove(cause: MoveCause, result: MoveResult): void;
  /** Edge: whether it is draining (1 from SIGTERM until it stops). */
  draining(on: boolean): void;
  /** One answered user request: its status (the device's or the proxy's own) and how long it took. */
  proxyRequest(status: number, seconds: number): void;
  /** Bytes through the user proxy: in from users, out to users. */
  proxyBytes(direction: Direction, bytes: number): void;
  notificationDelivery(kind: NotificationKind, result: DeliveryResult): void;
  /** A Redis connection error (each `error` event). */
  redisError(): void;
  configReload(result: ReloadResult): void;
  /** Edge: a CRL could not be loaded (fetch, parse, signature, expiry). */
  crlLoadFailed(): void;
  /** Edge: the nextUpdate of the CRL in force (epoch ms; 0 when none is loaded). */
  crlValidUntil(ms: number): void;
  /** The Prometheus text of this process; null when metrics are not collected. */
  exposition(): Promise<MetricsExposition | null>;
}

export const noopMetrics: TetherMetrics = {
  devicesConnected: () => undefined,
  deviceHandshake: () => undefined,
  deviceTlsResumed: () => undefined,
  deviceMove: () => undefined,
  draining: () => undefined,
  proxyRequest: () => undefined,
  proxyBytes: () => undefined,
  notificationDelivery: () => undefined,
  redisError: () => undefined,
  configReload: () => undefined,
  crlLoadFailed: () => undefined,
  crlValidUntil: () => undefined,
  exposition: async () => null,
};

import { normalizeMac } from '@tether/protocol';

/** The O3C notifications (reference section 6). */
export type NotificationKind = 'server_up' | 'server_down' | 'client_hello' | 'client_connect' | 'client_disconnect';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'server_up',
  'server_down',
  'client_hello',
  'client_connect',
  'client_disconnect',
];

const METHOD: Record<NotificationKind, 'PUT' | 'DELETE' | 'HEAD'> = {
  server_up: 'PUT',
  server_down: 'DELETE',
  client_hello: 'HEAD',
  client_connect: 'PUT',
  client_disconnect: 'DELETE',
};

/** The header that carries the delivery id of queued notifications (receivers drop duplicates by it). */
export const DELIVERY_ID_HEADER = 'X-Tether-Delivery-Id';

export interface Notification {
  kind: NotificationKind;
  /** The sending server's `stserverid` (X-Stserver-Id). */
  stserverid: string;
  /** Client kinds: the device's MAC (any accepted spelling; sent upper case). */
  mac?: string;
  /** Client kinds: the device's connection counter (the `count` of `count.mac`). */
  count?: number;
  /** client_connect: the device's source address (no port). */
  srcaddr?: string;
}

export interface NotificationRequest {
  method: 'PUT' | 'DELETE' | 'HEAD';
  /** Path and query, ready for the request line. */
  path: string;
  headers: Record<string, string>;
}

const isClientKind = (k: NotificationKind) => k.startsWith('client_');

/** Rejects a notification that cannot be sent as section 6 describes; the message says why. */
export function validateNotification(n: Notification): void {
  if (!NOTIFICATION_KINDS.includes(n.kind)) throw new Error(`unknown notification kind "${n.kind}"`);
  if (!n.stserverid) throw new Error('stserverid is empty');
  if (!isClientKind(n.kind)) return;
  if (!n.mac || !normalizeMac(n.mac)) throw new Error(`${n.kind}: "${n.mac ?? ''}" is not a MAC address`);
  if (n.count === undefined || !Number.isInteger(n.count) || n.count < 0) {
    throw new Error(`${n.kind}: count must be a whole number, got ${String(n.count)}`);
  }
  if (n.kind === 'client_connect' && !n.srcaddr) throw new Error('client_connect: srcaddr is empty');
}

/** `count.MAC` with the MAC upper case, as the reference's `client_id=1.00408C123456`. */
export function clientIdOf(n: Notification): string {
  const mac = normalizeMac(n.mac ?? '');
  if (!mac) throw new Error(`"${n.mac ?? ''}" is not a MAC address`);
  return `${n.count}.${mac.toUpperCase()}`;
}

/** What orders deliveries: one device's notifications (or one server's up/down) go out in order. */
export function orderKeyOf(n: Notification): string {
  return isClientKind(n.kind) ? `client:${normalizeMac(n.mac ?? '')}` : `server:${n.stserverid}`;
}

// `:` stays readable in IPv6 source addresses (a query may carry it unescaped, RFC 3986 3.4).
const q = (v: string) => encodeURIComponent(v).replace(/%3A/gi, ':');

/**
 * The request section 6 describes for `n` sent to `url`: method, path + query (appended to a query the URL
 * already has), `X-Stserver-Id`, `Connection: Keep-Alive`, and the delivery id when the notification is queued.
 */
export function notificationRequest(url: string | URL, n: Notification, deliveryId?: string): NotificationRequest {
  validateNotification(n);
  const u = typeof url === 'string' ? new URL(url) : url;
  const params = [`action=${n.kind}`];
  if (isClientKind(n.kind)) params.push(`client_id=${q(clientIdOf(n))}`);
  if (n.kind === 'client_connect') params.push(`client_srcaddr=${q(n.srcaddr ?? '')}`);
  const existing = u.search.length > 1 ? u.search.slice(1) : '';
  const path = `${u.pathname || '/'}?${existing ? `${existing}&` : ''}${params.join('&')}`;
  const headers: Record<string, string> = { 'X-Stserver-Id': n.stserverid, Connection: 'Keep-Alive' };
  if (deliveryId) headers[DELIVERY_ID_HEADER] = deliveryId;
  return { method: METHOD[n.kind], path, headers };
}

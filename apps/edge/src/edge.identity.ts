import { hostname } from 'node:os';
import type { TetherConfig } from '@tether/config';

/** The address gateways use to reach this edge: grpc_advertise, else grpc_listen, else in-process. */
export function edgeAddress(config: TetherConfig): string {
  if (config.grpc_advertise) return config.grpc_advertise;
  const l = config.grpc_listen;
  if (!l) return 'local';
  const host = l.host === '0.0.0.0' || l.host === '::' ? hostname() : l.host;
  return host.includes(':') ? `[${host}]:${l.port}` : `${host}:${l.port}`;
}

/** Where devices reach this edge: client_advertise, else listen_client (a wildcard host named by the host name); '' without a listener. */
export function clientAddress(config: TetherConfig): string {
  if (config.client_advertise) return config.client_advertise;
  const l = config.listen_client;
  if (!l) return '';
  const host = l.host === '0.0.0.0' || l.host === '::' ? hostname() : l.host;
  return host.includes(':') ? `[${host}]:${l.port}` : `${host}:${l.port}`;
}

import type { Server } from 'node:net';
import { formatListen, isLoopback } from './key-kinds';
import type { ConfigKey, TetherConfig } from './config.schema';
import type { ListenAddress } from './schema.types';

/**
 * A listener off loopback must demand authentication (`credentialKey` set) unless the operator
 * opted out with allow_open_listeners; refused at start, with what to set.
 */
export function guardListener(key: ConfigKey, listen: ListenAddress, credentialKey: ConfigKey, config: TetherConfig): void {
  if (isLoopback(listen.host) || config[credentialKey] || config.allow_open_listeners) return;
  throw new Error(`${key} ${formatListen(listen)} is not loopback: set ${credentialKey} (or allow_open_listeners = 1)`);
}

/** Binds `server` to a configured address; rejects with the bind error (address in use, ...). */
export function listenOn(server: Server, listen: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Where a server is bound (port 0 in tests picks a free one). */
export function boundAddress(server: Server | undefined): ListenAddress | null {
  const a = server?.address();
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
}

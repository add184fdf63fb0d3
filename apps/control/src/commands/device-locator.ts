import { formatConnectionId } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import type { ControlDeps } from '../control.deps';
import type { ClientArg } from './command-args';

const countOf = (connectionId: string) => Number(connectionId.split('.')[0]);

/** The name errors use: the MAC, or `count.mac` when the client named one connection. */
export function clientName(client: ClientArg): string {
  return client.count === undefined ? client.mac : formatConnectionId({ count: client.count, mac: client.mac });
}

/**
 * Where `client` is connected now (presence, on an edge that is alive, the named connection if a count was
 * given), or the CGI's failure: 404 not connected, 503 presence unavailable.
 */
export async function locateDevice(
  deps: Pick<ControlDeps, 'presence' | 'logger'>,
  client: ClientArg,
  what: string,
): Promise<{ record: PresenceRecord } | { status: number; reason: string }> {
  const name = clientName(client);
  let record: PresenceRecord | null;
  try {
    record = await deps.presence.lookup(client.mac);
    if (record && !(await deps.presence.edgeAlive(record.edgeId))) record = null;
  } catch (err) {
    deps.logger.child('control').error(`${what} ${name}: presence lookup failed: ${(err as Error).message}`);
    return { status: 503, reason: 'Presence store unavailable' };
  }
  if (!record || (client.count !== undefined && countOf(record.connectionId) !== client.count)) {
    return { status: 404, reason: `Client ${name} is not connected` };
  }
  return { record };
}

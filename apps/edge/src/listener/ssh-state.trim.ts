import type { Connection } from 'ssh2';

interface Ssh2Protocol {
  _kex?: { sessionID?: Buffer; negotiated?: unknown; remoteExtInfoEnabled?: boolean };
  _kexinit?: Buffer;
  _remoteIdentRaw?: Buffer;
}

/**
 * What ssh2 keeps of a finished key exchange that an idle device connection does not need, measured
 * with the fleet bench's heap summary: the whole key-exchange object (X25519 key objects, the shared
 * secret in a closure) stays reachable until a rekey, and the peer's identification string is a slice
 * that pins an 8 KiB Buffer pool slab per connection. ssh2 reads only `sessionID`, `negotiated` and
 * `remoteExtInfoEnabled` of a finished exchange (the next rekey, the start of compression); those
 * stay. Call once the handshake is over; does nothing while a key exchange is in progress.
 */
export function trimFinishedKex(conn: Connection): void {
  const proto = (conn as unknown as { _protocol?: Ssh2Protocol })._protocol;
  const kex = proto?._kex;
  if (!proto || !kex?.sessionID || proto._kexinit) return;
  proto._kex = { sessionID: kex.sessionID, negotiated: kex.negotiated, remoteExtInfoEnabled: kex.remoteExtInfoEnabled };
  const ident = proto._remoteIdentRaw;
  if (ident) {
    const own = Buffer.allocUnsafeSlow(ident.length);
    ident.copy(own);
    proto._remoteIdentRaw = own;
  }
}

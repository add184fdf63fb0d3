import type { Connection } from 'ssh2';

interface Ssh2Protocol {
  _kex?: { sessionID?: Buffer; negotiated?: unknown; remoteExtInfoEnabled?: boolean };
  _kexinit?: Buffer;
  _remoteIdentRaw?: Buffer;
  /** AES-GCM's decipher keeps the packet tag it assembles in `_tag`, a 16-byte slice of the shared pool. */
  _decipher?: { _tag?: Buffer };
}

/** A copy of `b` in its own memory: a pooled slice pins the whole 8 KiB slab as long as it lives. */
function unpooled(b: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/**
 * What ssh2 keeps of a finished key exchange that an idle device connection does not need, measured
 * with the fleet bench's heap summary: the whole key-exchange object (X25519 key objects, the shared
 * secret in a closure) stays reachable until a rekey; the peer's identification string and the AES-GCM
 * decipher's tag buffer are slices that pin 8 KiB Buffer pool slabs (at 5,000 devices, 642 slabs held by tags
 * alone, ~1 KiB per device). ssh2 reads only `sessionID`, `negotiated` and
 * `remoteExtInfoEnabled` of a finished exchange (the next rekey, the start of compression); those
 * stay. Call once the handshake is over; does nothing while a key exchange is in progress.
 */
export function trimFinishedKex(conn: Connection): void {
  const proto = (conn as unknown as { _protocol?: Ssh2Protocol })._protocol;
  const kex = proto?._kex;
  if (!proto || !kex?.sessionID || proto._kexinit) return;
  proto._kex = { sessionID: kex.sessionID, negotiated: kex.negotiated, remoteExtInfoEnabled: kex.remoteExtInfoEnabled };
  if (proto._remoteIdentRaw) proto._remoteIdentRaw = unpooled(proto._remoteIdentRaw);
  // Overwritten in place packet after packet: a copy carries a tag being assembled along.
  const decipher = proto._decipher;
  if (decipher?._tag) decipher._tag = unpooled(decipher._tag);
}

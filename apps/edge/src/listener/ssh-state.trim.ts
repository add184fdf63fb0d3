import type { Connection, ServerChannel } from 'ssh2';

interface Ssh2Protocol {
  _kex?: { sessionID?: Buffer; negotiated?: unknown; remoteExtInfoEnabled?: boolean };
  _kexinit?: Buffer;
  _remoteIdentRaw?: Buffer;
  /** AES-GCM's decipher keeps the packet tag it assembles in `_tag`, a 16-byte slice of the shared pool. */
  _decipher?: { _tag?: Buffer };
}

/** Algorithm names, shared by every connection: bounded by what ssh2 can negotiate. */
const names = new Map<string, string>();
function interned(s: string): string {
  let v = names.get(s);
  if (v === undefined) names.set(s, (v = s));
  return v;
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
  // Its algorithm names are slices of the peer's whole KEXINIT name lists: one shared copy of each instead.
  const negotiated: unknown = kex.negotiated === undefined ? undefined : JSON.parse(JSON.stringify(kex.negotiated), (_k, v: unknown) => (typeof v === 'string' ? interned(v) : v));
  proto._kex = { sessionID: kex.sessionID, negotiated, remoteExtInfoEnabled: kex.remoteExtInfoEnabled };
  if (proto._remoteIdentRaw) proto._remoteIdentRaw = unpooled(proto._remoteIdentRaw);
  // Overwritten in place packet after packet: a copy carries a tag being assembled along.
  const decipher = proto._decipher;
  if (decipher?._tag) decipher._tag = unpooled(decipher._tag);
}

/** What ssh2 reads of a server channel's stderr that nothing wrote to: only `writable`, when the channel closes. */
const NO_STDERR = Object.freeze({ writable: false });

/**
 * ssh2 gives every server channel a stderr Writable (a stream state, bound callbacks: ~0.6 KiB) that the
 * control channel never uses. Call only on a channel nothing writes stderr to.
 */
export function dropStderr(channel: ServerChannel): void {
  (channel as unknown as { stderr: unknown }).stderr = NO_STDERR;
}

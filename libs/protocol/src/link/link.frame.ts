/**
 * The frames of a Link stream. A Link carries many byte streams at once, each a user connection's
 * requests to one device (gateway side) bound to one SSH channel to the device's web server (edge
 * side). HTTP is not parsed on the edge: the gateway frames messages, the edge moves bytes.
 *
 * Frame: type (u8), stream id (u32 BE), payload length (u32 BE), payload. Frames written in one turn
 * of the event loop travel together in one gRPC message (`Packet.frames`), so under load many
 * requests share one message and its HTTP/2 cost.
 */
export const FrameType = {
  /** gateway -> edge: a new stream to a device; payload JSON {mac, srcaddr}. */
  Open: 1,
  /** both ways: bytes of the stream. */
  Data: 2,
  /** edge -> gateway: the device's side closed cleanly (a body delimited by close ends here). */
  End: 3,
  /** gateway -> edge: done, at a message boundary; the channel may serve another stream. */
  Release: 4,
  /** both ways: abandon the stream; from the edge, payload JSON {code, reason}. */
  Reset: 5,
  /** both ways: the receiver consumed this many more bytes (u32 payload). */
  Window: 6,
  /** gateway -> edge and back: link liveness (stream id is a nonce). */
  Ping: 7,
  Pong: 8,
  /**
   * edge -> gateway: the device is leaving this edge (drain, a newer connection): release the stream at
   * the next message boundary, at once when idle, and route the next request afresh.
   */
  GoAway: 9,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const FRAME_HEADER = 9;

export interface Frame {
  type: FrameType;
  id: number;
  payload: Buffer;
}

const EMPTY: Buffer = Buffer.alloc(0);

export function frameHeader(type: FrameType, id: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  h[0] = type;
  h.writeUInt32BE(id >>> 0, 1);
  h.writeUInt32BE(length, 5);
  return h;
}

export function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function jsonPayload(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}

export class FrameDecodeError extends Error {}

/** Calls `fn` for each frame of a batch; payloads are views into `batch`, not copies. */
export function decodeFrames(batch: Buffer, fn: (type: number, id: number, payload: Buffer) => void): void {
  let off = 0;
  while (off < batch.length) {
    if (batch.length - off < FRAME_HEADER) throw new FrameDecodeError('truncated frame header');
    const type = batch[off];
    const id = batch.readUInt32BE(off + 1);
    const len = batch.readUInt32BE(off + 5);
    off += FRAME_HEADER;
    if (batch.length - off < len) throw new FrameDecodeError('truncated frame payload');
    fn(type, id, len ? batch.subarray(off, off + len) : EMPTY);
    off += len;
  }
}

/** The bytes before `length` bytes of frames in an encoded `Packet { bytes frames = 1; }`: tag, varint length. */
export function packetPrefix(length: number): Buffer {
  const head: number[] = [0x0a];
  let n = length;
  while (n > 0x7f) {
    head.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  head.push(n);
  return Buffer.from(head);
}

/**
 * `Packet { bytes frames = 1; }` encoded by hand: protobufjs would walk a message object and copy the
 * bytes for the same result. (The writer builds prefix and frames in one piece; this is for tests.)
 */
export function encodePacket(frames: Buffer): Buffer {
  return Buffer.concat([packetPrefix(frames.length), frames]);
}

/** The frames of a `Packet`; unknown fields are skipped as protobuf requires. */
export function decodePacket(buf: Buffer): Buffer {
  let off = 0;
  let frames: Buffer = EMPTY;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (off >= buf.length || shift > 49) throw new FrameDecodeError('truncated packet');
      const b = buf[off++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (off < buf.length) {
    const tag = varint();
    const wire = tag % 8;
    const field = Math.floor(tag / 8);
    let skip = 0;
    if (wire === 0) varint();
    else if (wire === 1) skip = 8;
    else if (wire === 5) skip = 4;
    else if (wire === 2) {
      const len = varint();
      if (off + len > buf.length) throw new FrameDecodeError('truncated packet');
      if (field === 1) frames = buf.subarray(off, off + len);
      skip = len;
    } else throw new FrameDecodeError(`unexpected wire type ${wire}`);
    if (off + skip > buf.length) throw new FrameDecodeError('truncated packet');
    off += skip;
  }
  return frames;
}

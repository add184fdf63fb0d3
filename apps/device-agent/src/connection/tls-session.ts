/**
 * A TLS session as the device keeps it for resumption, without the server's certificate.
 *
 * OpenSSL's session encoding (an ASN.1 SEQUENCE) carries the peer certificate as the optional field [3].
 * Offering a session parses it again, and with OpenSSL 3 decoding the certificate's public key costs ~150 µs,
 * paid twice per attempt (Node sets an offered session twice): in a reconnect storm that was ~20 % of a
 * simulated device's CPU (fleet bench profile). Resumption never needs it: the server proves itself by the
 * ticket, the session keeps the verify result of the handshake that made it, and Node does not check the
 * server's identity again on a resumed connection.
 */
const SEQUENCE = 0x30;
const PEER_CERTIFICATE = 0xa3; // [3] EXPLICIT, constructed

/** The session without its peer certificate; anything that is not a well-formed DER SEQUENCE is returned as it came. */
export function withoutPeerCertificate(session: Buffer): Buffer {
  const outer = readTlv(session, 0);
  if (!outer || outer.tag !== SEQUENCE || outer.end !== session.length) return session;
  const kept: Buffer[] = [];
  let dropped = false;
  for (let i = outer.start; i < outer.end; ) {
    const field = readTlv(session, i);
    if (!field || field.end > outer.end) return session;
    if (field.tag === PEER_CERTIFICATE) dropped = true;
    else kept.push(session.subarray(i, field.end));
    i = field.end;
  }
  if (!dropped) return session;
  const body = Buffer.concat(kept);
  return Buffer.concat([Buffer.from([SEQUENCE]), derLength(body.length), body]);
}

interface Tlv {
  tag: number;
  /** Where the value starts and ends (exclusive). */
  start: number;
  end: number;
}

function readTlv(buf: Buffer, at: number): Tlv | undefined {
  if (at + 2 > buf.length) return undefined;
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) return undefined;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + buf[start + k];
    start += n;
  }
  const end = start + len;
  return end <= buf.length ? { tag, start, end } : undefined;
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

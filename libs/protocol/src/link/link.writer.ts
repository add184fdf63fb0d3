import type { Writable } from 'node:stream';
import { FRAME_HEADER, FrameType, frameHeader, packetPrefix } from './link.frame';

/**
 * Flush early once this much is waiting; also the largest message written (gRPC caps a message at 8 MiB).
 * Measured: 64 KiB beat 32 KiB, 128 KiB, 256 KiB and 1 MiB for small requests and bulk alike (grpc-js
 * copies every message whole on both ends; smaller ones are cheaper to assemble and collect).
 */
const MAX_BATCH_BYTES = 64 * 1024;

/**
 * Frames written in the same turn of the event loop leave together in one message: under load many
 * streams share a gRPC message; alone, a frame waits at most one turn. While the call is full,
 * frames wait here (the per-stream windows bound how many can) and leave in several messages. A
 * message is written as an encoded `Packet`, built in one copy.
 */
export class LinkWriter {
  /** Frame headers and payloads, in order; `frameEnds[i]` is the index in `parts` after frame i. */
  private parts: Buffer[] = [];
  private frameBytes: number[] = [];
  private frameEnds: number[] = [];
  private bytes = 0;
  private scheduled = false;
  private blocked = false;

  constructor(private readonly out: Writable) {
    out.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  push(type: FrameType, id: number, payload?: Buffer): void {
    const len = payload?.length ?? 0;
    this.parts.push(frameHeader(type, id, len));
    if (len) this.parts.push(payload as Buffer);
    this.frameEnds.push(this.parts.length);
    this.frameBytes.push(FRAME_HEADER + len);
    this.bytes += FRAME_HEADER + len;
    if (this.bytes >= MAX_BATCH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onTurn);
    }
  }

  private readonly onTurn = () => {
    this.scheduled = false;
    this.flush();
  };

  /** Writes what waits, whole frames in messages of at most MAX_BATCH_BYTES, until the call is full. */
  flush(): void {
    const total = this.frameEnds.length;
    let frame = 0; // frames written so far
    let part = 0; // parts written so far
    while (frame < total && !this.blocked && !this.out.destroyed && !this.out.writableEnded) {
      let end = frame;
      let bytes = 0;
      while (end < total && (end === frame || bytes + this.frameBytes[end] <= MAX_BATCH_BYTES)) bytes += this.frameBytes[end++];
      const lastPart = this.frameEnds[end - 1];
      const batch = [packetPrefix(bytes)];
      for (let i = part; i < lastPart; i++) batch.push(this.parts[i]);
      frame = end;
      part = lastPart;
      this.bytes -= bytes;
      if (!this.out.write(Buffer.concat(batch, batch[0].length + bytes))) this.blocked = true;
    }
    // Drop what was written in one go: slicing per message made a long backlog quadratic.
    if (frame === total) {
      this.parts = [];
      this.frameBytes = [];
      this.frameEnds = [];
    } else if (frame > 0) {
      this.parts = this.parts.slice(part);
      this.frameBytes = this.frameBytes.slice(frame);
      this.frameEnds = this.frameEnds.slice(frame).map((e) => e - part);
    }
  }
}

import type { Writable } from 'node:stream';
import { FRAME_HEADER, FrameType, frameHeader } from './link.frame';

/** Flush early once this much is waiting, so one message never grows large. */
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Frames written in the same turn of the event loop leave together in one message: under load many
 * streams share a gRPC message; alone, a frame waits at most one turn. While the call is full,
 * frames wait here; the per-stream windows bound how many can.
 */
export class LinkWriter {
  private parts: Buffer[] = [];
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

  flush(): void {
    if (!this.parts.length || this.blocked || this.out.destroyed || this.out.writableEnded) return;
    const batch = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    if (!this.out.write(batch)) this.blocked = true;
  }
}

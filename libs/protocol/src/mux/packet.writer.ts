import type { Writable } from 'node:stream';
import type { Frame, Packet } from './mux.frame';

/** Flush early once this much body data is waiting, so one packet never grows large. */
const MAX_PACKET_BYTES = 256 * 1024;

/**
 * Frames written in the same turn of the event loop leave together in one Packet: under load many
 * requests share a message (and its gRPC cost); alone, a request waits at most one turn. While the
 * stream is full, frames wait here; the per-request windows bound how many can.
 */
export class PacketWriter {
  private pending: Frame[] = [];
  private bytes = 0;
  private scheduled = false;
  private blocked = false;

  constructor(private readonly out: Writable) {
    out.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  push(frame: Frame): void {
    this.pending.push(frame);
    this.bytes += frame.data?.length ?? 0;
    if (this.bytes >= MAX_PACKET_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (!this.pending.length || this.blocked || this.out.destroyed || this.out.writableEnded) return;
    const packet: Packet = { frames: this.pending };
    this.pending = [];
    this.bytes = 0;
    if (!this.out.write(packet)) this.blocked = true;
  }
}

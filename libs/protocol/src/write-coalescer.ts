import type { Writable } from 'node:stream';

/** Past this many bytes in one turn the writes leave at once: bulk data gains nothing from waiting. */
const MAX_CORKED_BYTES = 32 * 1024;

/**
 * Small writes to `socket` within one turn of the event loop leave together. ssh2 writes every SSH
 * packet on its own; on a TLS socket each write is a TLS record and a system call, and under load a
 * device connection carries packets of many channels per turn. Corked until the turn ends, they become
 * one writev, one record (Node's TLS merges small buffers) and one system call. Alone, a packet waits
 * at most that turn; a bulk transfer is not held back.
 */
export function coalesceWrites(socket: Writable): void {
  const write = socket.write;
  let corked = false;
  let bytes = 0;
  const flush = () => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Writable, ...args: Parameters<Writable['write']>) {
    const chunk = args[0] as Buffer | string;
    if (!corked && !socket.destroyed) {
      corked = true;
      bytes = 0;
      socket.cork();
      setImmediate(flush);
    }
    const ok = write.apply(this, args);
    bytes += chunk.length;
    if (bytes >= MAX_CORKED_BYTES) flush();
    return ok;
  } as Writable['write'];
}

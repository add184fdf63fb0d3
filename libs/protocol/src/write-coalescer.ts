import type { Writable } from 'node:stream';

/**
 * Writes to `socket` within one turn of the event loop leave together. ssh2 writes every SSH packet
 * on its own; on a TLS socket each write is a TLS record and a system call, and under load a device
 * connection carries packets of many channels per turn. Corked until the turn ends, they become one
 * writev, one record (Node's TLS merges small buffers) and one system call. Alone, a packet waits at
 * most that turn.
 */
export function coalesceWrites(socket: Writable): void {
  const write = socket.write;
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Writable, ...args: Parameters<Writable['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Writable['write'];
}

import crypto from 'node:crypto';

/** Requests up to this size are served from the pool; larger ones go to OpenSSL directly. */
const MAX_POOLED = 256;
const POOL_BYTES = 64 * 1024;

type RandomFill = typeof crypto.randomFillSync;

/**
 * A `randomFillSync` that serves small requests from a 64 KiB block of the same CSPRNG, each byte
 * handed out once. ssh2 fills every SSH packet's padding (4–20 bytes) with its own randomFillSync
 * call; a call into OpenSSL per packet was 9–13 % of the edge's and the agent's busy time under small
 * requests. The output is the same CSPRNG's. A forked process would share the block, so this is for
 * processes that never fork (tether starts children with spawn).
 */
export function pooledRandomFill(original: RandomFill, poolBytes = POOL_BYTES): RandomFill {
  let pool = Buffer.alloc(0);
  let used = 0;
  const pooled = (buf: NodeJS.ArrayBufferView, offset?: number, size?: number) => {
    const start = offset ?? 0;
    const n = size ?? (Buffer.isBuffer(buf) ? buf.length - start : -1);
    if (!Buffer.isBuffer(buf) || !Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || n > MAX_POOLED || start + n > buf.length)
      return original(buf, offset, size); // not ours to serve: OpenSSL answers, or throws as it would
    if (used + n > pool.length) {
      pool = original(Buffer.allocUnsafe(poolBytes));
      used = 0;
    }
    pool.copy(buf, start, used, used + n);
    pool.fill(0, used, used + n); // handed out: not kept
    used += n;
    return buf;
  };
  return pooled as RandomFill;
}

/** Installs the pool on node:crypto itself, so modules that take randomFillSync at load (ssh2) use it. */
export function installRandomPool(): void {
  const mod = crypto as unknown as { randomFillSync: RandomFill; __tetherPooled?: boolean };
  if (mod.__tetherPooled) return;
  mod.randomFillSync = pooledRandomFill(mod.randomFillSync.bind(crypto));
  mod.__tetherPooled = true;
}

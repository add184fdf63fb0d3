import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/** A CRL fetch that hangs must not hold the refresh forever. */
export const CRL_FETCH_TIMEOUT_MS = 10_000;
/** Far beyond any real CRL (a million entries is ~40 MB); a runaway answer is refused, not buffered. */
const MAX_CRL_BYTES = 64 * 1024 * 1024;

/** GET crl_url: the body on 200, a precise error otherwise. */
export async function fetchCrl(url: string, timeoutMs = CRL_FETCH_TIMEOUT_MS): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const e = err as Error & { cause?: Error };
    if (e.name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs / 1000} s`);
    throw new Error(e.cause?.message ?? e.message);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_CRL_BYTES) {
    await res.body?.cancel();
    throw new Error(`answer of ${length} bytes is larger than ${MAX_CRL_BYTES}`);
  }
  return Buffer.from(await res.arrayBuffer());
}

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Temp file + rename: a reader (another edge sharing the file, a restart) never sees half a CRL. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

import { existsSync, readFileSync } from 'node:fs';

/** Where jemalloc is found: the image's link first, then Debian's libjemalloc2 per architecture. */
const JEMALLOC_PATHS = [
  '/usr/local/lib/libjemalloc.so.2',
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
];

/** This machine's jemalloc, if it has one. */
export function findJemalloc(): string | undefined {
  return JEMALLOC_PATHS.find((p) => existsSync(p));
}

/** Whether a running process has jemalloc mapped, i.e. a preload took. */
export function runsJemalloc(pid: number | undefined): boolean {
  try {
    return !!pid && readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libjemalloc');
  } catch {
    return false;
  }
}

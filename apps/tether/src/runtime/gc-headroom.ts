import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * Room kept above the live heap before V8 starts a full GC. V8 starts one when the room left under
 * its old-generation limit falls below a new space, and it counts the Buffers allocated since the last
 * full GC against that room, freeing young ones only when a scavenge runs (after 32 MiB of them). A
 * relay allocates Buffers that fast: with V8's limit at ~1.5x a 21 MB live heap (12 MB of room), every
 * ~12 MB relayed started a full GC (~50 per 512 MiB download, measured), and bulk ran at half speed.
 * 64 MiB covers the 32 MiB of young Buffers plus a 16 MiB new space.
 */
export const GC_HEADROOM_BYTES = 64 * 1024 * 1024;
/** Past this live size V8's own growing factor leaves enough room; the flag goes back to V8 (0). */
const OWN_FACTOR_ABOVE = 10;

/** V8's `--heap-growing-percent` that leaves `headroom` of room above `live` bytes; 0 lets V8 choose. */
export function growingPercent(liveBytes: number, headroomBytes = GC_HEADROOM_BYTES): number {
  if (!(liveBytes > 0) || liveBytes >= headroomBytes * OWN_FACTOR_ABOVE) return 0;
  return Math.ceil((headroomBytes / liveBytes) * 100);
}

export interface GcHeadroomDeps {
  liveBytes: () => number;
  setFlags: (flags: string) => void;
  /** Calls `fn` after each full GC; returns a stop function. */
  onFullGc: (fn: () => void) => () => void;
}

export const nodeGcDeps: GcHeadroomDeps = {
  liveBytes: () => v8.getHeapStatistics().used_heap_size,
  setFlags: (flags) => v8.setFlagsFromString(flags),
  onFullGc: (fn) => {
    const obs = new PerformanceObserver((list) => {
      if (list.getEntries().some((e) => (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) fn();
    });
    obs.observe({ entryTypes: ['gc'] });
    return () => obs.disconnect();
  },
};

/**
 * Keeps `headroom` of room above the live heap: sets V8's growing factor now and again after every
 * full GC (V8 reads it when it next computes its limit). Changes only when the percent does.
 */
export function keepGcHeadroom(headroomBytes = GC_HEADROOM_BYTES, deps: GcHeadroomDeps = nodeGcDeps): () => void {
  let current = -1;
  const apply = () => {
    const pct = growingPercent(deps.liveBytes(), headroomBytes);
    if (pct === current) return;
    current = pct;
    deps.setFlags(`--heap-growing-percent=${pct}`);
  };
  apply();
  return deps.onFullGc(apply);
}

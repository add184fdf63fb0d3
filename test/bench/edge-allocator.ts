import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findJemalloc, REPO_ROOT, runsJemalloc } from '@tether/testing';
import { aptInstall } from './proc';

export interface EdgeAllocator {
  /** Environment for the edge processes: empty when the edges run on glibc's malloc. */
  env: Record<string, string>;
  label: string;
}

/** An env value of k8s/edge.yaml's container, the source of truth for how edges run. */
export function edgeManifestEnv(name: string, manifest = readFileSync(join(REPO_ROOT, 'k8s', 'edge.yaml'), 'utf8')): string | undefined {
  const m = manifest.match(new RegExp(`- name: ${name}\\n\\s+value: "?([^"\\n]+)"?`));
  return m?.[1];
}

/**
 * The benches run their edges as k8s/edge.yaml does: jemalloc preloaded with the manifest's MALLOC_CONF (or
 * `mallocConf`, a probe's experiment), from wherever this machine has it (installed when allowed and missing).
 * Without it, glibc's malloc, said so.
 */
export async function edgeAllocator(install: boolean, mallocConf?: string): Promise<EdgeAllocator> {
  const conf = mallocConf ?? edgeManifestEnv('MALLOC_CONF');
  if (!edgeManifestEnv('LD_PRELOAD')) return { env: {}, label: "glibc malloc (k8s/edge.yaml preloads no allocator)" };
  let lib = findJemalloc();
  if (!lib && install) {
    await aptInstall(['libjemalloc2']);
    lib = findJemalloc();
  }
  if (!lib) return { env: {}, label: "glibc malloc: libjemalloc2 is not installed here (the image's edges preload jemalloc)" };
  return {
    env: { LD_PRELOAD: lib, ...(conf ? { MALLOC_CONF: conf } : {}) },
    label: `jemalloc (${lib}${conf ? `, MALLOC_CONF=${conf}` : ''}), ${mallocConf === undefined ? 'as k8s/edge.yaml' : 'from --malloc-conf'}`,
  };
}

/** Throws unless every edge process loaded the preloaded allocator (nothing to check on glibc). */
export function assertPreloaded(allocator: EdgeAllocator, pids: Array<number | undefined>): void {
  const lib = allocator.env.LD_PRELOAD;
  if (lib && !pids.every((pid) => runsJemalloc(pid))) throw new Error(`an edge did not load ${lib}`);
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a uniform time in
 * [0, min(max, base * 2^n)], so a fleet that lost its server does not come back in lockstep.
 */
export class Backoff {
  private failures = 0;
  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    const cap = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.floor((this.opts.random ?? Math.random)() * cap);
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/** host:port[,host:port...] */
export function parseServerList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function splitHostPort(server: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server);
  if (!m) throw new Error(`"${server}" is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

import { ParsedCrl, parseCrl } from '@tether/pki';
import type { Clock, Logger } from '@tether/telemetry';
import type { CrlState } from './crl.state';

/** A failed load is retried this soon (or after crl_refresh, if shorter). */
export const CRL_RETRY_MS = 30_000;
/** Refresh ahead of nextUpdate by a tenth of what remains, at most this much. */
const LEAD_MAX_MS = 5 * 60_000;
const MIN_DELAY_MS = 1000;

export interface CrlLoaderOptions {
  /** crl_url: fetched; crl_path then caches the last good CRL. */
  url?: string;
  /** crl_path: read at start (the cache, or the only source without a URL). */
  path?: string;
  /** The certificates of ca_cert_file: the CRL must be signed by one of them. */
  caPems: string[];
  refreshMs: number;
  state: CrlState;
  clock: Clock;
  log: Logger;
  fetch(url: string): Promise<Buffer>;
  /** Resolves undefined when the file does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  writeFile(path: string, data: string): Promise<void>;
  /** A new CRL is in force (not called when a load brings the same bytes again). */
  installed(crl: ParsedCrl): void;
  failed(): void;
}

class LoadError extends Error {}

/**
 * Loads the CRL and keeps it fresh: from crl_path at start, from crl_url at start and then at the CRL's
 * nextUpdate (a little ahead) and at least every crl_refresh; a failure counts and is retried sooner.
 * A CRL is taken only if it parses, a CA of ca_cert_file signed it, it has not expired and it is not
 * older than the one in force (a replayed old CRL must not un-revoke anyone).
 */
export class CrlLoader {
  failures = 0;
  private timer?: { unref?(): void };
  private stopped = false;
  private running?: Promise<boolean>;

  constructor(private readonly o: CrlLoaderOptions) {}

  /**
   * The first load. With a URL and a good cached CRL the fetch runs in the background; without one it is
   * awaited, so a restarting edge does not admit (soft) or refuse (strict) devices for want of a CRL.
   */
  async start(): Promise<void> {
    if (this.o.path) {
      const cached = await this.loadFile(this.o.path, !this.o.url);
      if (this.o.url && cached) {
        void this.refresh();
        return;
      }
      if (!this.o.url) {
        this.schedule(cached ? this.nextDelay() : this.retryDelay());
        return;
      }
    }
    await this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  /** Loads from the source now (one at a time); true when a CRL is in force afterwards from this load. */
  refresh(): Promise<boolean> {
    if (!this.running) {
      this.running = this.load().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async load(): Promise<boolean> {
    const ok = this.o.url ? await this.loadUrl(this.o.url) : await this.loadFile(this.o.path!, true);
    this.schedule(ok ? this.nextDelay() : this.retryDelay());
    return ok;
  }

  private async loadUrl(url: string): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await this.o.fetch(url);
    } catch (err) {
      return this.fail(url, `fetch failed: ${(err as Error).message}`);
    }
    const crl = await this.accept(url, bytes);
    if (crl && this.o.path) {
      // The cache is a convenience: failing to write it is worth a warning, not a load failure.
      await this.o.writeFile(this.o.path, crl.pem).catch((err: Error) => this.o.log.warn(`could not cache the CRL in ${this.o.path}: ${err.message}`));
    }
    return !!crl;
  }

  /** `primary`: the file is the source itself (no URL), so a missing file is a failure, not an empty cache. */
  private async loadFile(path: string, primary: boolean): Promise<boolean> {
    let bytes: Buffer | undefined;
    try {
      bytes = await this.o.readFile(path);
    } catch (err) {
      return this.fail(path, `cannot read: ${(err as Error).message}`);
    }
    if (!bytes) {
      if (primary) return this.fail(path, 'no such file');
      this.o.log.notice(`no cached CRL in ${path} yet`);
      return false;
    }
    return !!(await this.accept(path, bytes));
  }

  /** Validates and installs; undefined (and a counted failure) when the CRL is not acceptable. */
  private async accept(from: string, bytes: Buffer): Promise<ParsedCrl | undefined> {
    try {
      const crl = await this.validate(bytes);
      const current = this.o.state.current;
      if (current && current.der.equals(crl.der)) {
        this.o.log.debug(`CRL from ${from} unchanged`);
        return crl;
      }
      this.o.state.install(crl);
      const next = crl.nextUpdate ? crl.nextUpdate.toISOString() : 'none';
      const num = crl.crlNumber !== undefined ? `CRL number ${crl.crlNumber}, ` : '';
      this.o.log.notice(`CRL loaded from ${from}: ${crl.serials.size} revoked, ${num}issuer ${crl.issuer}, next update ${next}`);
      this.o.installed(crl);
      return crl;
    } catch (err) {
      if (!(err instanceof LoadError)) throw err;
      this.fail(from, err.message);
      return undefined;
    }
  }

  private async validate(bytes: Buffer): Promise<ParsedCrl> {
    let crl: ParsedCrl;
    try {
      crl = parseCrl(bytes);
    } catch (err) {
      throw new LoadError((err as Error).message);
    }
    let signed = false;
    for (const ca of this.o.caPems) if (!signed) signed = await crl.verify(ca);
    if (!signed) throw new LoadError(`not signed by a CA of ca_cert_file (issuer ${crl.issuer})`);
    const now = this.o.clock.now();
    if (crl.nextUpdate && crl.nextUpdate.getTime() <= now) throw new LoadError(`expired: its nextUpdate ${crl.nextUpdate.toISOString()} has passed`);
    const current = this.o.state.current;
    if (current && crl.thisUpdate.getTime() < current.thisUpdate.getTime()) {
      throw new LoadError(`older than the CRL in force (thisUpdate ${crl.thisUpdate.toISOString()} < ${current.thisUpdate.toISOString()})`);
    }
    return crl;
  }

  private fail(from: string, why: string): false {
    this.failures++;
    this.o.failed();
    const kept = this.o.state.current ? (this.o.state.valid() ? 'keeping the CRL in force' : 'the CRL in force has expired') : 'no CRL in force';
    this.o.log.warn(`CRL from ${from} not loaded: ${why} (${kept}; ${this.failures} failure(s); retrying in ${Math.round(this.retryDelay() / 1000)} s)`);
    return false;
  }

  private retryDelay(): number {
    return Math.min(CRL_RETRY_MS, this.o.refreshMs);
  }

  /** crl_refresh, or a little before the nextUpdate of the CRL in force if that comes first. */
  private nextDelay(): number {
    const next = this.o.state.current?.nextUpdate?.getTime();
    if (next === undefined) return this.o.refreshMs;
    const remaining = next - this.o.clock.now();
    const lead = Math.min(LEAD_MAX_MS, remaining / 10);
    return Math.min(this.o.refreshMs, Math.max(MIN_DELAY_MS, remaining - lead));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => void this.refresh(), ms);
    this.timer.unref?.();
  }
}

import { LoadedCa, RevokedEntry, createCrl, normalizeSerial, readRevoked } from '@tether/pki';
import type { Clock, Logger } from '@tether/telemetry';
import type { StateFile } from '../state/state.file';

/** setTimeout fires at once beyond 2^31-1 ms (24.8 days): longer validities re-sign at that pace instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CrlPublisherOptions {
  ca: LoadedCa;
  /** The CA directory: serials revoked by hand there (`tether pki revoke`) are published too. */
  caDir?: string;
  state: StateFile;
  /** Seconds from thisUpdate to nextUpdate. */
  validityS: number;
  clock: Clock;
  logger: Logger;
}

/**
 * The dispatcher's CRL: every revoked serial, signed by the dispatcher CA, re-signed at every revocation and
 * at half its validity, so a consumer that fetches it on time never holds a stale one.
 */
export class CrlPublisher {
  private der?: Buffer;
  private timer?: unknown;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: CrlPublisherOptions) {}

  /** The current CRL (DER); undefined before the first publish. */
  current(): Buffer | undefined {
    return this.der;
  }

  /** Signs a new CRL; calls are serialized so CRL numbers grow in the order of the revocations. */
  publish(): Promise<void> {
    this.chain = this.chain.then(() => this.sign());
    return this.chain;
  }

  private async sign(): Promise<void> {
    const { state, clock, validityS } = this.o;
    const now = clock.now();
    state.state.crlNumber += 1;
    const ours: RevokedEntry[] = state.state.revoked.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), reason: 'cessationOfOperation' }));
    const byHand = this.o.caDir ? await readRevoked(this.o.caDir, 'dispatcher') : [];
    const seen = new Set(ours.map((r) => normalizeSerial(r.serial)));
    const revoked = [...ours, ...byHand.filter((r) => !seen.has(normalizeSerial(r.serial)))];
    const { der } = await createCrl(this.o.ca, {
      revoked,
      thisUpdate: new Date(now),
      nextUpdate: new Date(now + validityS * 1000),
      crlNumber: state.state.crlNumber,
    });
    state.save();
    this.der = der;
    this.o.logger.child('crl').notice(`published CRL number ${state.state.crlNumber} with ${revoked.length} revoked certificate(s)`);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.publish().catch((err: Error) => this.o.logger.child('crl').error(`could not re-sign the CRL: ${err.message}`));
    }, Math.min((this.o.validityS * 1000) / 2, MAX_TIMER_MS));
  }

  stop(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

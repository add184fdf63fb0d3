import type { ParsedCrl } from '@tether/pki';
import type { Clock } from '@tether/telemetry';

export type CrlMode = 'off' | 'soft' | 'strict';

/** What the edge needs of a device certificate: Node's X509Certificate has both. */
export interface PeerCertificate {
  serialNumber: string;
  raw: Buffer;
}

export type CrlVerdict =
  | { ok: true; unchecked?: string }
  | { ok: false; result: 'revoked' | 'refused'; reason: string };

/**
 * The CRL in force and the admission rule of crl_mode. A CRL is *valid* while its nextUpdate is ahead.
 * A stale CRL still refuses the serials it lists (a revocation does not lapse), but only a valid one
 * lets strict mode admit devices.
 */
export class CrlState {
  private crl?: ParsedCrl;

  constructor(
    readonly mode: CrlMode,
    private readonly clock: Clock,
  ) {}

  get current(): ParsedCrl | undefined {
    return this.crl;
  }

  /** Epoch ms of the nextUpdate of the CRL in force; 0 when none (or it has none). */
  get validUntil(): number {
    return this.crl?.nextUpdate?.getTime() ?? 0;
  }

  valid(): boolean {
    if (!this.crl) return false;
    const next = this.crl.nextUpdate;
    return !next || next.getTime() > this.clock.now();
  }

  install(crl: ParsedCrl): void {
    this.crl = crl;
  }

  /** True when the CRL in force revokes this certificate (false when none is loaded or mode is off). */
  revokes(cert: PeerCertificate): boolean {
    if (this.mode === 'off' || !this.crl) return false;
    return this.crl.revokes(cert.raw);
  }

  verdict(cert: PeerCertificate): CrlVerdict {
    if (this.mode === 'off') return { ok: true };
    if (this.revokes(cert)) return { ok: false, result: 'revoked', reason: `certificate serial ${serialHex(cert)} is revoked by the CRL of ${this.crl!.issuer}` };
    if (this.valid()) return { ok: true };
    const why = this.crl ? `the CRL expired at ${this.crl.nextUpdate!.toISOString()}` : 'no CRL loaded';
    if (this.mode === 'strict') return { ok: false, result: 'refused', reason: `no valid CRL (${why}; crl_mode = strict)` };
    return { ok: true, unchecked: why };
  }
}

/** The serial as logs show it: lower-case hex without leading zeros (as `tether pki revoke` prints it). */
export function serialHex(cert: PeerCertificate): string {
  return cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import { effectiveCrlMode } from '@tether/config';
import { ParsedCrl, splitPem } from '@tether/pki';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import type { DeviceSession } from '../sessions/device-session';
import { EdgeClusterMember } from '../status/edge-cluster.member';
import { fetchCrl, readIfExists, writeAtomic } from './crl-fetch';
import { CrlLoader } from './crl.loader';
import { CrlState, PeerCertificate, serialHex } from './crl.state';

/**
 * Device certificates against the CRL (crl_url, crl_path, crl_mode): refuses revoked devices at their
 * TLS handshake, drops connected devices a new CRL revokes, and reports crl_load_failures and
 * crl_valid_until to metrics.cgi (cluster totals / gauges) and Prometheus.
 */
@Injectable()
export class CrlService implements OnModuleInit, OnApplicationShutdown {
  readonly state: CrlState;
  private loader?: CrlLoader;
  /** Open sessions and their certificates, from the handshake on (not only once registered). */
  private readonly certs = new Map<DeviceSession, PeerCertificate>();
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    member: EdgeClusterMember,
  ) {
    const { config, clock } = deps;
    this.log = deps.logger.child('crl');
    this.state = new CrlState(config.listen_client ? effectiveCrlMode(config) : 'off', clock);
    member.node.countTotals(() => ({ crl_load_failures: this.loader?.failures ?? 0 }));
    member.node.gauge(() => ({ crl_valid_until_ms: this.state.validUntil })); // 0: none (control skips it)
  }

  /** Before the listener opens (onApplicationBootstrap): devices meet the CRL from the first one. */
  async onModuleInit(): Promise<void> {
    const { config, clock, metrics } = this.deps;
    if (this.state.mode === 'off') return;
    if (!config.ca_cert_file) throw new Error('crl_mode needs ca_cert_file (the CA whose CRL is checked)');
    const caPems = splitPem(readFileSync(config.ca_cert_file, 'utf8')).certificates;
    this.loader = new CrlLoader({
      url: config.crl_url || undefined,
      path: config.crl_path || undefined,
      caPems,
      refreshMs: config.crl_refresh * 1000,
      state: this.state,
      clock,
      log: this.log,
      fetch: (url) => fetchCrl(url),
      readFile: readIfExists,
      writeFile: writeAtomic,
      installed: (crl) => {
        metrics.crlValidUntil(crl.nextUpdate?.getTime() ?? 0);
        this.dropRevoked(crl);
      },
      failed: () => metrics.crlLoadFailed(),
    });
    this.log.notice(`crl_mode ${this.state.mode}: CRL from ${[config.crl_url, config.crl_path].filter(Boolean).join(', cached in ')}`);
    await this.loader.start();
  }

  /**
   * At the TLS step: false (logged, counted) when the device's certificate is revoked, or when strict mode
   * has no valid CRL. The caller closes the socket.
   */
  admits(socket: tls.TLSSocket, mac: string, srcaddr: string): boolean {
    if (this.state.mode === 'off') return true;
    const cert = socket.getPeerX509Certificate();
    if (!cert) return true; // unreachable: unauthorized sockets are refused before
    const v = this.state.verdict(cert);
    if (v.ok) {
      if (v.unchecked) this.log.debug(`accepting ${mac} from ${srcaddr} unchecked: ${v.unchecked} (crl_mode = soft)`);
      return true;
    }
    this.deps.metrics.deviceHandshake(v.result);
    this.log.warn(`refused ${srcaddr}: device ${mac.toUpperCase()}: ${v.reason}`);
    return false;
  }

  /** Remembers a new session's certificate; false (session closed) if a CRL loaded meanwhile revokes it. */
  watch(session: DeviceSession, socket: tls.TLSSocket): boolean {
    if (this.state.mode === 'off') return true;
    const cert = socket.getPeerX509Certificate();
    if (!cert) return true;
    if (!this.state.revokes(cert)) {
      this.certs.set(session, cert);
      session.onClose(() => this.certs.delete(session));
      return true;
    }
    this.deps.metrics.deviceHandshake('revoked');
    this.log.warn(`refused device ${session.mac.toUpperCase()}: certificate serial ${serialHex(cert)} is revoked by the CRL`, session.logCtx);
    session.close('certificate revoked');
    return false;
  }

  private dropRevoked(crl: ParsedCrl): void {
    for (const [session, cert] of [...this.certs]) {
      if (!crl.revokes(cert.raw)) continue;
      this.log.warn(`dropping device ${session.mac.toUpperCase()}: certificate serial ${serialHex(cert)} is revoked by the new CRL`, session.logCtx);
      session.close('certificate revoked');
    }
  }

  onApplicationShutdown(): void {
    this.loader?.stop();
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import type { DeviceSession } from '../sessions/device-session';

/** How long a device has to acknowledge a client_hello redirect before the edge closes the connection anyway. */
const REDIRECT_ACK_MS = 5000;

/**
 * client_hello (reference 6.3): the decision taken after the device's SSH hello and before it is accepted (no
 * presence claim, not in status.cgi while it is pending). The edge asks the receivers itself, so admission
 * does not depend on control being up. Accept: the caller claims the device. Redirect: the device is sent the
 * `redirect` command (it moves only if the server is in its list) and closed. Retry later: closed; the
 * device reconnects with its own backoff.
 */
@Injectable()
export class ClientHelloGate {
  private readonly log;

  constructor(@Inject(EDGE_DEPS) private readonly deps: EdgeDeps) {
    this.log = deps.logger.child('notify');
  }

  /** Resolves true when the device may be accepted; false when it was closed (redirected, refused, gone). */
  async admit(session: DeviceSession): Promise<boolean> {
    const port = this.deps.notifications;
    // No receivers (notify_urls is static): nothing to ask, and no delivery to count.
    if (!port || this.deps.config.notify_urls.length === 0) return true;
    const count = Number(session.connectionId.split('.')[0]);
    const forceAccept = this.deps.live.current.force_accept_clients;
    let decision;
    try {
      decision = await port.hello({ stserverid: this.deps.config.stserverid, mac: session.mac, count, deviceServers: session.servers }, forceAccept);
    } catch (err) {
      decision = forceAccept ? { action: 'accept' as const, forced: true } : { action: 'retry-later' as const, reason: (err as Error).message };
    }
    const answered = decision.action === 'redirect' || (decision.action === 'accept' && !decision.forced);
    this.deps.metrics.notificationDelivery('client_hello', answered ? 'ok' : 'failed');
    if (session.isClosed) return false; // the device left while the receivers were deciding
    switch (decision.action) {
      case 'accept':
        if (decision.forced) this.log.warn('client_hello: a receiver did not answer; accepted (force_accept_clients)', session.logCtx);
        return true;
      case 'redirect': {
        this.log.notice(`client_hello: redirected to ${decision.server}`, session.logCtx);
        const reply = await session.command({ type: 'redirect', server: decision.server }, REDIRECT_ACK_MS);
        if (!reply.ok) this.log.warn(`client_hello: redirect to ${decision.server} not acknowledged: ${reply.detail}`, session.logCtx);
        session.close(`redirected to ${decision.server} by client_hello`);
        return false;
      }
      case 'retry-later':
        this.log.warn(`client_hello: not accepted, the device will reconnect later: ${decision.reason}`, session.logCtx);
        session.close('not accepted by client_hello');
        return false;
    }
  }
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Notification } from '@tether/notify';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import type { DeviceSession } from '../sessions/device-session';
import { clientAddress } from './client-address';

/** Bound of each shutdown step (beyond notify_timeout, which the all-in-one's drain may use up). */
const SHUTDOWN_STEP_MS = 3000;

/**
 * The edge's queued notifications (reference 6.1, 6.2, 6.4, 6.5): server_up once the device listener listens,
 * client_connect once a device's presence claim succeeded, client_disconnect when that accepted connection
 * closes, server_down at shutdown after the devices' disconnects. Queuing is fire-and-forget for the caller;
 * a notification that cannot even be queued (Redis away) is logged and counted as dropped.
 */
@Injectable()
export class EdgeNotifier implements OnApplicationShutdown {
  private readonly log;
  private readonly inFlight = new Set<Promise<void>>();
  private up = false;

  constructor(@Inject(EDGE_DEPS) private readonly deps: EdgeDeps) {
    this.log = deps.logger.child('notify');
  }

  serverUp(): void {
    this.up = true;
    this.enqueue({ kind: 'server_up', stserverid: this.deps.config.stserverid });
  }

  connected(s: DeviceSession): void {
    this.enqueue({ ...this.client(s), kind: 'client_connect', srcaddr: clientAddress(s.srcaddr) }, s.logCtx);
  }

  disconnected(s: DeviceSession): void {
    this.enqueue({ ...this.client(s), kind: 'client_disconnect' }, s.logCtx);
  }

  /**
   * Runs after the registry closed the devices (same shutdown pass): their disconnects are queued first. Each
   * step is bounded: with Redis away an enqueue waits for it, and the edge must still exit.
   */
  async onApplicationShutdown(): Promise<void> {
    const port = this.deps.notifications;
    if (!port) return;
    const step = SHUTDOWN_STEP_MS + this.deps.config.notify_timeout * 1000;
    const late = (what: string) => () => this.log.warn(`shutdown: ${what} took longer than ${step} ms; exiting without it`);
    await this.within(Promise.allSettled([...this.inFlight]), step, late('queuing the devices\' notifications'));
    if (this.up) await this.within(this.enqueueNow({ kind: 'server_down', stserverid: this.deps.config.stserverid }), step, late('queuing server_down'));
    await this.within(
      port.stop().catch((err: Error) => this.log.warn(`notifications: ${err.message}`)),
      step,
      late('stopping notifications'),
    );
  }

  private within(p: Promise<unknown>, ms: number, onLate: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.deps.clock.setTimeout(() => {
        onLate();
        resolve();
      }, ms);
      void p.finally(() => {
        this.deps.clock.clearTimeout(t);
        resolve();
      });
    });
  }

  private client(s: DeviceSession): Omit<Notification, 'kind'> {
    return { stserverid: this.deps.config.stserverid, mac: s.mac, count: Number(s.connectionId.split('.')[0]) };
  }

  private enqueue(n: Notification, ctx?: { client: string }): void {
    if (!this.deps.notifications) return;
    const p = this.enqueueNow(n, ctx).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async enqueueNow(n: Notification, ctx?: { client: string }): Promise<void> {
    try {
      await this.deps.notifications!.enqueue(n);
    } catch (err) {
      this.deps.metrics.notificationDelivery(n.kind, 'dropped');
      this.log.warn(`${n.kind} not queued: ${(err as Error).message}`, ctx);
    }
  }
}

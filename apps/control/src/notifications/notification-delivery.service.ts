import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeliveryHooks, Notification, NotifyAnswer, clientIdOf } from '@tether/notify';
import { normalizeMac } from '@tether/protocol';
import { DeviceCommander } from '../commands/device-commander.service';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/** A receiver as the log names it: its query may carry a token, so only origin and path. */
export function receiverName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'a receiver';
  }
}

const subject = (n: Notification) => (n.mac ? `${n.kind} ${clientIdOf(n)}` : `${n.kind} ${n.stserverid}`);

/**
 * Control delivers the queued notifications (the BullMQ worker in the cluster, so they survive edges that
 * stop; the in-process queue in the all-in-one). Each outcome is logged and counted; a client_connect
 * answered `302 Location: host:port` (reference 6.4) becomes a redirect of that very connection, sent through
 * the edge that holds it like redirect.cgi (the device moves only if the server is in its list).
 */
@Injectable()
export class NotificationDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log;

  constructor(
    @Inject(CONTROL_DEPS) private readonly deps: ControlDeps,
    private readonly commander: DeviceCommander,
  ) {
    this.log = deps.logger.child('notify');
  }

  readonly hooks: DeliveryHooks = {
    delivered: (n, url, answer, id) => {
      this.deps.metrics?.notificationDelivery(n.kind, 'ok');
      this.log.notice(`${subject(n)} delivered to ${receiverName(url)}: ${answer.status} (delivery ${id})`);
      if (n.kind === 'client_connect' && answer.status === 302) void this.redirect(n, answer);
    },
    // Debug only: a receiver down for a minute would otherwise fill the log with one line per attempt.
    retrying: (n, url, reason, id) => {
      this.deps.metrics?.notificationDelivery(n.kind, 'failed');
      this.log.debug(`${subject(n)} to ${receiverName(url)} will be retried: ${reason} (delivery ${id})`);
    },
    gaveUp: (n, url, reason, id) => {
      this.deps.metrics?.notificationDelivery(n.kind, 'dropped');
      this.log.warn(`${subject(n)} to ${receiverName(url)} given up: ${reason} (delivery ${id})`);
    },
  };

  async onApplicationBootstrap(): Promise<void> {
    await this.deps.notificationDelivery?.start(this.hooks);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.deps.notificationDelivery?.stop().catch((err: Error) => this.log.warn(`notification delivery: ${err.message}`));
  }

  /** Only the connection the notification named: a device that reconnected meanwhile is left alone. */
  async redirect(n: Notification, answer: NotifyAnswer): Promise<void> {
    const server = answer.location?.trim() ?? '';
    const mac = normalizeMac(n.mac ?? '');
    if (!mac || n.count === undefined) return;
    if (!HOST_PORT.test(server)) {
      this.log.warn(`${subject(n)}: 302 with Location "${server}" is not host:port; the device stays`);
      return;
    }
    const outcome = await this.commander.send({ mac, count: n.count }, 'redirect', server);
    if (outcome.status !== 200) this.log.warn(`${subject(n)}: client_connect redirect to ${server} not carried out: ${'reason' in outcome ? outcome.reason : ''}`);
  }
}

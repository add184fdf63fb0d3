import { Inject, Injectable } from '@nestjs/common';
import {
  ChannelOpener,
  DeviceCommand,
  DeviceCommandReply,
  DeviceStatus,
  TunnelError,
} from '@tether/protocol';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { DeviceRegistry } from '../sessions/device-registry.service';

/** The edge's side of the request path: finds the session and forwards; runs device commands. */
@Injectable()
export class DeviceTunnelService {
  constructor(
    private readonly registry: DeviceRegistry,
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
  ) {}

  /** Leases a connection to the device's web server for one stream of the Link. */
  readonly open: ChannelOpener = (mac, srcaddr) => {
    const session = this.registry.streamTarget(mac);
    if (!session) return Promise.reject(new TunnelError('not-connected', `Device ${mac} is not connected`));
    const log = session.log;
    if (log.enabled('debug')) log.debug(`stream from ${srcaddr}`, session.logCtx);
    const c = this.deps.config;
    return session.lease(c.client_dictates_max_conn ? 0 : c.request_queue_limit);
  };

  /** The accepted devices of this edge, as status.cgi lists them. */
  status(): DeviceStatus[] {
    return this.registry.all().map((s) => ({
      connectionId: s.connectionId,
      mac: s.mac,
      count: Number(s.connectionId.split('.')[0]),
      srcaddr: s.srcaddr,
      accepted: true,
      protocolVersion: s.protocolVersion,
      connectedAt: s.connectedAt,
      rx: s.rx,
      tx: s.tx,
      servers: s.servers,
    }));
  }

  async command(cmd: DeviceCommand): Promise<DeviceCommandReply> {
    const session = this.registry.get(cmd.mac);
    if (!session || (cmd.epoch && session.epoch !== cmd.epoch))
      return { ok: false, detail: `device ${cmd.mac} is not connected here` };
    switch (cmd.command) {
      case 'evict':
        this.registry.displaced(session);
        return { ok: true, detail: 'closed' };
      case 'reconnect':
        session.close('reconnect requested');
        return { ok: true, detail: 'OK' };
      case 'redirect':
        return session.command({ type: 'redirect', server: cmd.server ?? '' });
      case 'restart':
        return session.command({ type: 'restart' });
      case 'set-servers':
        return session.command({ type: 'set-servers', servers: cmd.servers ?? [] });
    }
  }
}

import { Duplex, PassThrough } from 'node:stream';
import {
  ChannelOpener,
  DeviceCommand,
  DeviceCommandReply,
  DeviceStatus,
  DeviceTunnel,
  EdgeLink,
  LinkClient,
  TunnelError,
  serveLink,
} from '@tether/protocol';

interface LocalEdge {
  open: ChannelOpener;
  command(cmd: DeviceCommand): Promise<DeviceCommandReply>;
  status(): DeviceStatus[];
}

/**
 * The all-in-one's edge link: streams for this process's edge run over an in-memory Link (the same
 * framing and windows as gRPC, without the HTTP/2 hop); any other address goes through `remote`.
 */
export class LocalEdgeLink implements EdgeLink {
  private edge?: LocalEdge;
  private local?: LinkClient;
  private localAddress = '';

  constructor(private readonly remote: EdgeLink) {}

  /** Called once the edge has started: streams for `address` are served in-process from then on. */
  bind(edge: LocalEdge, address: string): void {
    this.edge = edge;
    this.localAddress = address;
    const up = new PassThrough({ objectMode: true, highWaterMark: 16 });
    const down = new PassThrough({ objectMode: true, highWaterMark: 16 });
    serveLink(Duplex.from({ writable: down, readable: up }), edge.open);
    this.local = new LinkClient(Duplex.from({ writable: up, readable: down }), () => new TunnelError('internal', 'Local edge link failed'));
  }

  tunnel(address: string): DeviceTunnel {
    if (address !== this.localAddress || !this.local) return this.remote.tunnel(address);
    return this.local;
  }

  command(address: string, cmd: DeviceCommand): Promise<DeviceCommandReply> {
    if (address !== this.localAddress || !this.edge) return this.remote.command(address, cmd);
    return this.edge.command(cmd);
  }

  async status(address: string): Promise<DeviceStatus[]> {
    if (address !== this.localAddress || !this.edge) return this.remote.status(address);
    return this.edge.status();
  }

  close(): Promise<void> {
    this.local?.close();
    return this.remote.close();
  }
}

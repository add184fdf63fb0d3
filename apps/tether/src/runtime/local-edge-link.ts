import type { Readable } from 'node:stream';
import type {
  DeviceCommand,
  DeviceCommandReply,
  DeviceStatus,
  DeviceTunnel,
  EdgeLink,
  RequestHead,
  TunnelResponse,
} from '@tether/protocol';

interface LocalEdge extends DeviceTunnel {
  command(cmd: DeviceCommand): Promise<DeviceCommandReply>;
  status(): DeviceStatus[];
}

/**
 * The all-in-one's edge link: requests for this process's edge go straight to it (no gRPC hop);
 * any other address goes through `remote`.
 */
export class LocalEdgeLink implements EdgeLink {
  private edge?: LocalEdge;
  private localAddress = '';

  constructor(private readonly remote: EdgeLink) {}

  /** Called once the edge has started: requests for `address` are served in-process from then on. */
  bind(edge: LocalEdge, address: string): void {
    this.edge = edge;
    this.localAddress = address;
  }

  tunnel(address: string): DeviceTunnel {
    if (address !== this.localAddress) return this.remote.tunnel(address);
    return {
      forward: (head: RequestHead, body: Readable, signal: AbortSignal): Promise<TunnelResponse> => {
        if (!this.edge) throw new Error('edge not started');
        return this.edge.forward(head, body, signal);
      },
    };
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
    return this.remote.close();
  }
}

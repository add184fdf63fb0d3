import * as grpc from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { CLUSTER_TOKEN_METADATA, TUNNEL_CHANNEL_OPTIONS, tunnelClientConstructor } from './tunnel.grpc';
import { TunnelError } from './tunnel.error';
import { DeviceCommand, DeviceCommandReply, DeviceStatus, EdgeLink } from './tunnel.types';
import type { DeviceTunnel } from './link';
import { LinkClient } from './link';

export interface GrpcEdgeLinkOptions {
  /** Sent as metadata; edges with a cluster_token refuse calls without it. */
  token?: string;
  commandTimeoutMs?: number;
}

type TunnelClient = grpc.Client & {
  Link(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown>;
  Command(
    req: unknown,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: { ok?: boolean; detail?: string }) => void,
  ): grpc.ClientUnaryCall;
  Status(
    req: unknown,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: { devices?: WireDeviceStatus[] }) => void,
  ): grpc.ClientUnaryCall;
};

type WireDeviceStatus = Partial<{
  connectionId: string;
  mac: string;
  count: number;
  srcaddr: string;
  accepted: boolean;
  protocolVersion: number;
  connectedAt: string;
  rx: string;
  tx: string;
  servers: string[];
}>;

export function tunnelErrorFromGrpc(err: Error): TunnelError {
  const code = (err as grpc.ServiceError).code;
  switch (code) {
    case grpc.status.UNAVAILABLE:
      return new TunnelError('unreachable', 'Edge unreachable');
    case grpc.status.DEADLINE_EXCEEDED:
      return new TunnelError('timeout', 'Device did not answer in time');
    case grpc.status.CANCELLED:
      return new TunnelError('device-error', 'Request cancelled');
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new TunnelError('unreachable', 'Edge refused the gateway (cluster_token mismatch)');
    default:
      return new TunnelError('internal', 'Internal Server Error');
  }
}

/**
 * gRPC client side of the gateway/control -> edge link: one HTTP/2 channel per edge address, and on it
 * one long-lived Link stream that carries every request (a new one is opened when it breaks).
 */
export class GrpcEdgeLink implements EdgeLink {
  private readonly clients = new Map<string, TunnelClient>();
  private readonly links = new Map<string, LinkClient>();

  constructor(private readonly opts: GrpcEdgeLinkOptions = {}) {}

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.opts.token) md.set(CLUSTER_TOKEN_METADATA, this.opts.token);
    return md;
  }

  private client(address: string): TunnelClient {
    let c = this.clients.get(address);
    if (!c) {
      const Ctor = tunnelClientConstructor();
      c = new Ctor(address, grpc.credentials.createInsecure(), TUNNEL_CHANNEL_OPTIONS) as unknown as TunnelClient;
      this.clients.set(address, c);
    }
    return c;
  }

  tunnel(address: string): DeviceTunnel {
    let link = this.links.get(address);
    if (!link?.usable) {
      const call = this.client(address).Link(this.metadata());
      link = new LinkClient(call as unknown as Duplex, tunnelErrorFromGrpc);
      this.links.set(address, link);
    }
    return link;
  }

  command(address: string, cmd: DeviceCommand): Promise<DeviceCommandReply> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + (this.opts.commandTimeoutMs ?? 10_000);
      this.client(address).Command(
        { mac: cmd.mac, epoch: cmd.epoch, command: cmd.command, server: cmd.server ?? '', servers: cmd.servers ?? [] },
        this.metadata(),
        { deadline },
        (err, reply) => (err ? reject(tunnelErrorFromGrpc(err)) : resolve({ ok: !!reply?.ok, detail: reply?.detail ?? '' })),
      );
    });
  }

  status(address: string): Promise<DeviceStatus[]> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + (this.opts.commandTimeoutMs ?? 10_000);
      this.client(address).Status({}, this.metadata(), { deadline }, (err, reply) => {
        if (err) return reject(tunnelErrorFromGrpc(err));
        resolve(
          (reply?.devices ?? []).map((d) => ({
            // proto3 leaves out fields at their default (0, false, ""), hence the fallbacks.
            connectionId: d.connectionId ?? '',
            mac: d.mac ?? '',
            count: d.count ?? 0,
            srcaddr: d.srcaddr ?? '',
            accepted: !!d.accepted,
            protocolVersion: d.protocolVersion ?? 0,
            connectedAt: Number(d.connectedAt ?? 0),
            rx: Number(d.rx ?? 0),
            tx: Number(d.tx ?? 0),
            servers: d.servers ?? [],
          })),
        );
      });
    });
  }

  async close(): Promise<void> {
    for (const l of this.links.values()) l.close();
    this.links.clear();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

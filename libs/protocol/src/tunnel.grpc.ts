import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The `tether.tunnel.v1.Tunnel` service, loaded once from tunnel.proto (shipped beside this file). */
let cached: grpc.ServiceDefinition | undefined;
let clientCtor: grpc.ServiceClientConstructor | undefined;

function load(): void {
  if (cached) return;
  const def = protoLoader.loadSync(join(__dirname, 'tunnel.proto'), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tether: { tunnel: { v1: { Tunnel: grpc.ServiceClientConstructor } } };
  };
  // Link packets are encoded by the link itself (link.writer.ts, link.frame.ts): the frames inside are
  // already bytes, protobufjs would only copy them. gRPC passes the encoded messages as they are.
  const generated = pkg.tether.tunnel.v1.Tunnel.service;
  const service: grpc.ServiceDefinition = {
    ...generated,
    Link: {
      ...generated.Link,
      requestSerialize: asBytes,
      requestDeserialize: asBytes,
      responseSerialize: asBytes,
      responseDeserialize: asBytes,
    },
  };
  clientCtor = grpc.makeGenericClientConstructor(service, 'Tunnel');
  cached = service;
}

const asBytes = (b: Buffer): Buffer => b;

export function tunnelService(): grpc.ServiceDefinition {
  load();
  return cached as grpc.ServiceDefinition;
}

export function tunnelClientConstructor(): grpc.ServiceClientConstructor {
  load();
  return clientCtor as grpc.ServiceClientConstructor;
}

/** Channel options both ends agree on: a window that does not cap bulk transfers at 64 KiB. */
export const TUNNEL_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc-node.flow_control_window': 4 * 1024 * 1024,
  'grpc.max_receive_message_length': 8 * 1024 * 1024,
  'grpc.max_send_message_length': 8 * 1024 * 1024,
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
};

/** Metadata key carrying the cluster token between gateway/control and edges. */
export const CLUSTER_TOKEN_METADATA = 'x-tether-cluster-token';

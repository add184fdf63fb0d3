export { EdgeModule } from './edge.module';
export type { EdgeDeps, EdgeNotificationPort } from './edge.deps';
export { DeviceRegistry } from './sessions/device-registry.service';
export { DeviceTunnelService } from './tunnel/device-tunnel.service';
export { DeviceListener } from './listener/device-listener.service';
export { TunnelGrpcServer } from './tunnel/tunnel-grpc.server';
export { EdgeClusterMember } from './status/edge-cluster.member';

import { DynamicModule, Module } from '@nestjs/common';
import { CrlService } from './crl/crl.service';
import { EdgeDrain } from './drain/edge-drain.service';
import { EDGE_DEPS, EdgeDeps } from './edge.deps';
import { DeviceListener } from './listener/device-listener.service';
import { ClientHelloGate } from './notifications/client-hello.gate';
import { EdgeNotifier } from './notifications/edge-notifier.service';
import { DeviceRegistry } from './sessions/device-registry.service';
import { EdgeClusterMember } from './status/edge-cluster.member';
import { EdgeCounters } from './status/edge-counters';
import { DeviceTunnelService } from './tunnel/device-tunnel.service';
import { TunnelGrpcServer } from './tunnel/tunnel-grpc.server';

/** The edge: device listener, sessions and presence, and the Tunnel gRPC service. */
@Module({})
export class EdgeModule {
  static register(deps: EdgeDeps): DynamicModule {
    return {
      module: EdgeModule,
      // EdgeNotifier after DeviceRegistry: at shutdown the devices' disconnects are queued before server_down.
      providers: [{ provide: EDGE_DEPS, useValue: deps }, EdgeCounters, DeviceRegistry, EdgeNotifier, ClientHelloGate, EdgeClusterMember, CrlService, DeviceTunnelService, DeviceListener, TunnelGrpcServer, EdgeDrain],
      exports: [DeviceRegistry, DeviceTunnelService, DeviceListener, TunnelGrpcServer],
    };
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClusterNode } from '@tether/cluster';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { DeviceRegistry } from '../sessions/device-registry.service';
import { EdgeCounters } from './edge-counters';

/** The edge as a member of the cluster: its client counters go to the totals, current_clients to metrics.cgi. */
@Injectable()
export class EdgeClusterMember implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly node: ClusterNode;

  constructor(
    @Inject(EDGE_DEPS) deps: EdgeDeps,
    registry: DeviceRegistry,
    counters: EdgeCounters,
  ) {
    this.node = new ClusterNode({ bus: deps.bus, role: 'edge', serverId: deps.config.stserverid, clock: deps.clock, logger: deps.logger });
    this.node.countTotals(() => ({ total_clients: counters.accepted, total_client_timeouts: counters.timeouts }));
    this.node.gauge(() => ({ current_clients: registry.size }));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.node.start();
  }

  /** After the registry closed its sessions (Nest stops providers in reverse order of creation). */
  onApplicationShutdown(): Promise<void> {
    return this.node.stop();
  }
}

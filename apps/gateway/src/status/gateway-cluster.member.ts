import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClusterNode, REQUESTS_TOPIC } from '@tether/cluster';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { RequestLedger } from '../requests/request-ledger';
import { ongoingRequests, proxyTotals } from './gateway-status.responder';

/**
 * The gateway as a member of the cluster: answers status.cgi's question (its ongoing requests), adds its
 * proxy totals to the cluster's, and reports current_proxy_requests to metrics.cgi.
 */
@Injectable()
export class GatewayClusterMember implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly node: ClusterNode;

  constructor(@Inject(GATEWAY_DEPS) deps: GatewayDeps, ledger: RequestLedger) {
    this.node = new ClusterNode({ bus: deps.bus, role: 'gateway', serverId: deps.config.stserverid, clock: deps.clock, logger: deps.logger });
    this.node.respond(REQUESTS_TOPIC, () => ongoingRequests(ledger));
    this.node.countTotals(() => proxyTotals(ledger));
    this.node.gauge(() => ({ current_proxy_requests: ledger.current() }));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.node.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.node.stop();
  }
}

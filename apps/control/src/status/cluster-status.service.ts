import { Inject, Injectable } from '@nestjs/common';
import type { DeviceStatus } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';

/** The devices of the whole cluster: every live edge asked at once; an edge that does not answer is logged and left out. */
@Injectable()
export class ClusterStatus {
  private readonly log;
  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {
    this.log = deps.logger.child('control');
  }

  async devices(): Promise<DeviceStatus[]> {
    const edges = await this.deps.presence.listEdges();
    const answers = await Promise.allSettled(edges.map((e) => this.deps.edgeLink.status(e.address)));
    const out: DeviceStatus[] = [];
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') out.push(...a.value);
      else this.log.warn(`edge ${edges[i].edgeId} did not answer the status query: ${(a.reason as Error).message}`);
    });
    return out.sort((x, y) => x.connectedAt - y.connectedAt || x.mac.localeCompare(y.mac));
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { OngoingRequestInfo, REQUESTS_TOPIC, gather } from '@tether/cluster';
import type { DeviceStatus } from '@tether/protocol';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import type { RequestsByMac } from './status.format';

/** How long status.cgi waits for the gateways' ongoing requests. */
const REQUESTS_DEADLINE_MS = 1500;

/** The same MAC whatever form a gateway kept it in. */
const macKey = (mac: string) => mac.replace(/[^0-9a-f]/gi, '').toLowerCase();

/**
 * The devices of the whole cluster: every live edge asked at once; the ongoing requests: every live
 * gateway asked over the bus. Who does not answer is logged and left out, never fails the CGI.
 */
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

  /** Ongoing requests of every gateway, by MAC, oldest first. */
  async requests(): Promise<RequestsByMac> {
    const byMac = new Map<string, OngoingRequestInfo[]>();
    try {
      const { replies, missing } = await gather<OngoingRequestInfo[]>(this.deps.bus, REQUESTS_TOPIC, {
        roles: ['gateway'],
        deadlineMs: REQUESTS_DEADLINE_MS,
        clock: this.deps.clock,
      });
      for (const m of missing) this.log.warn(`gateway ${m.member.id} left out of status.cgi: ${m.reason}`);
      for (const r of replies) {
        if (!Array.isArray(r.body)) continue;
        for (const q of r.body) {
          const key = macKey(q.mac);
          const list = byMac.get(key);
          if (list) list.push(q);
          else byMac.set(key, [q]);
        }
      }
    } catch (err) {
      this.log.warn(`ongoing requests unavailable: ${(err as Error).message}`);
    }
    for (const list of byMac.values()) list.sort((a, b) => a.connectedAt - b.connectedAt || a.id.localeCompare(b.id));
    return byMac;
  }
}

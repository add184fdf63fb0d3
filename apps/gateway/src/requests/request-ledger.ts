import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { OngoingRequestInfo } from '@tether/cluster';

/**
 * One user request, from its parsed head until its answer is complete: the shape gateways answer
 * status.cgi's query with (tables 3 and 6). rx: bytes received from the user for it (its body); tx:
 * bytes sent to the user for it (the answer, head and body).
 */
export type OngoingRequest = OngoingRequestInfo;

export interface ProxyTotals {
  requests: number;
  responses: number;
  rx: number;
  tx: number;
}

export class RequestEntry implements OngoingRequest {
  rx = 0;
  tx = 0;
  constructor(
    readonly id: string,
    readonly mac: string,
    readonly srcaddr: string,
    readonly url: string,
    readonly connectedAt: number,
  ) {}
}

/**
 * The gateway's ongoing requests and its proxy totals since start (metrics.cgi sums them over the
 * cluster). Per request it costs one Set insert and delete and a few additions: it sits on the hot path.
 */
@Injectable()
export class RequestLedger {
  /** Ids are a per-process random half and a counter: unique without a CSPRNG call per request. */
  private readonly prefix = randomBytes(8).toString('hex');
  private seq = 0;
  private readonly open = new Set<RequestEntry>();
  private readonly sums: ProxyTotals = { requests: 0, responses: 0, rx: 0, tx: 0 };

  begin(mac: string, srcaddr: string, url: string, now: number): RequestEntry {
    const id = this.prefix + (++this.seq).toString(16).padStart(16, '0');
    const e = new RequestEntry(id, mac, srcaddr, url, now);
    this.open.add(e);
    this.sums.requests++;
    return e;
  }

  received(e: RequestEntry, bytes: number): void {
    e.rx += bytes;
    this.sums.rx += bytes;
  }

  sent(e: RequestEntry, bytes: number): void {
    e.tx += bytes;
    this.sums.tx += bytes;
  }

  /** The request is over; `answered` when a response (the device's or the proxy's own) went out. */
  end(e: RequestEntry, answered: boolean): void {
    if (!this.open.delete(e)) return;
    if (answered) this.sums.responses++;
  }

  snapshot(): OngoingRequest[] {
    return [...this.open].map((e) => ({ id: e.id, mac: e.mac, srcaddr: e.srcaddr, url: e.url, connectedAt: e.connectedAt, rx: e.rx, tx: e.tx }));
  }

  totals(): ProxyTotals {
    return { ...this.sums };
  }

  current(): number {
    return this.open.size;
  }
}

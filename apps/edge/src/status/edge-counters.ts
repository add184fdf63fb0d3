import { Injectable } from '@nestjs/common';

/** What the edge counts for metrics.cgi (Table 7); the cluster member flushes the growth to the totals. */
@Injectable()
export class EdgeCounters {
  /** Device connections accepted (total_clients). */
  accepted = 0;
  /** Devices dropped for missed keepalives (total_client_timeouts). */
  timeouts = 0;

  /** A session closed: was it for missed keepalives (ssh2's, or the TCP keepalive's)? */
  closed(reason: string): void {
    if (/Keepalive timeout|ETIMEDOUT/i.test(reason)) this.timeouts++;
  }
}

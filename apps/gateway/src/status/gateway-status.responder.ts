import type { OngoingRequestInfo } from '@tether/cluster';
import type { RequestLedger } from '../requests/request-ledger';

/** The answer to the bus's requests query: the ledger's ongoing requests as they travel. */
export function ongoingRequests(ledger: Pick<RequestLedger, 'snapshot'>): OngoingRequestInfo[] {
  return ledger.snapshot().map((r) => ({ id: r.id, mac: r.mac, srcaddr: r.srcaddr, url: r.url, connectedAt: r.connectedAt, rx: r.rx, tx: r.tx }));
}

/** The ledger's totals since start under the names of metrics.cgi (Table 7). */
export function proxyTotals(ledger: Pick<RequestLedger, 'totals'>): Record<string, number> {
  const t = ledger.totals();
  return { total_proxy_requests: t.requests, total_proxy_responses: t.responses, total_proxy_rx: t.rx, total_proxy_tx: t.tx };
}

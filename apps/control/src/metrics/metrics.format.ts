/** metrics.cgi (reference 3.2.1, Table 7): every key, in the table's order, with its type. */
export interface MetricsReport {
  current_clients: number;
  total_clients: number;
  total_client_timeouts: number;
  current_proxy_requests: number;
  total_proxy_requests: number;
  total_proxy_responses: number;
  total_proxy_rx: number;
  total_proxy_tx: number;
  crl_load_failures: number;
  crl_valid_until: string;
  server_uptime: number;
  configuration_reloads: number;
  configuration_uptime: number;
  server_version: string;
}

export interface MetricsInputs {
  /** Cluster totals (the Redis hash). */
  totals: Record<string, number>;
  /** Each live member's gauges. */
  gauges: Array<Record<string, number>>;
  serverUptimeSeconds: number;
  configurationUptimeSeconds: number;
  configurationReloads: number;
  version: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** The reference's form of crl_valid_until: `Wed Nov 23 07:21:25 2022 GMT` (OpenSSL's ASN1_TIME_print). */
export function crlTime(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`
  );
}

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/**
 * Sums the members' gauges, takes the totals as they are; CRL figures: failures are a total, the
 * validity is the earliest any edge reports (`crl_valid_until_ms`), "" while none loads a CRL.
 */
export function metricsReport(i: MetricsInputs): MetricsReport {
  const sum = (key: string) => i.gauges.reduce((n, g) => n + int(g[key]), 0);
  const total = (key: string) => int(i.totals[key]);
  const until = i.gauges.map((g) => g.crl_valid_until_ms).filter((v): v is number => typeof v === 'number' && v > 0);
  return {
    current_clients: sum('current_clients'),
    total_clients: total('total_clients'),
    total_client_timeouts: total('total_client_timeouts'),
    current_proxy_requests: sum('current_proxy_requests'),
    total_proxy_requests: total('total_proxy_requests'),
    total_proxy_responses: total('total_proxy_responses'),
    total_proxy_rx: total('total_proxy_rx'),
    total_proxy_tx: total('total_proxy_tx'),
    crl_load_failures: total('crl_load_failures'),
    crl_valid_until: until.length ? crlTime(Math.min(...until)) : '',
    server_uptime: Math.floor(i.serverUptimeSeconds),
    configuration_reloads: i.configurationReloads,
    configuration_uptime: Math.floor(i.configurationUptimeSeconds),
    server_version: i.version,
  };
}

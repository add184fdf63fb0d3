/**
 * metrics.cgi's keys and their JSON types, in order: Table 7 of the O3C reference (3.2.1), written out once so
 * the unit spec of the format and the cluster e2e check against the same oracle.
 */
export const O3C_METRICS_TABLE_7: ReadonlyArray<[string, string]> = [
  ['current_clients', 'number'],
  ['total_clients', 'number'],
  ['total_client_timeouts', 'number'],
  ['current_proxy_requests', 'number'],
  ['total_proxy_requests', 'number'],
  ['total_proxy_responses', 'number'],
  ['total_proxy_rx', 'number'],
  ['total_proxy_tx', 'number'],
  ['crl_load_failures', 'number'],
  ['crl_valid_until', 'string'],
  ['server_uptime', 'number'],
  ['configuration_reloads', 'number'],
  ['configuration_uptime', 'number'],
  ['server_version', 'string'],
];

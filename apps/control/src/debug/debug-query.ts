/** debug.cgi's arguments (reference 3.7, Table 12), checked. */
export interface DebugQuery {
  /** 0 nothing … 4 debug. */
  level: number;
  /** `count.mac` (MAC lower case), '' for every device. */
  client: string;
}

/** The arguments, or the reason they are refused (an O3C `Request failed` body). */
export function parseDebugQuery(params: URLSearchParams, defaultLevel: number): DebugQuery | { error: string } {
  const rawLevel = params.get('level');
  let level = defaultLevel;
  if (rawLevel !== null && rawLevel !== '') {
    if (!/^[0-4]$/.test(rawLevel)) return { error: `Invalid level "${rawLevel}": expected 0 (nothing) to 4 (debug)` };
    level = Number(rawLevel);
  }
  const rawClient = (params.get('client') ?? '').trim();
  if (rawClient && !/^\d+\.[0-9a-f]{12}$/i.test(rawClient))
    return { error: `Invalid client "${rawClient}": expected connection_id.mac_address as status.cgi prints it` };
  return { level, client: rawClient.toLowerCase() };
}

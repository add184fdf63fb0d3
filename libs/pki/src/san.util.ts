import { isIP } from 'node:net';
import { PkiError } from './pki.error';

export interface AltName {
  type: 'dns' | 'ip';
  value: string;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const DNS_NAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`, 'i');

/**
 * Server certificate names: TLS clients match IP literals only against iPAddress SAN entries and
 * host names only against dNSName entries, so each host goes in the matching slot.
 */
export function serverAltNames(hosts: readonly string[]): { commonName: string; altNames: AltName[] } {
  const altNames: AltName[] = [];
  const seen = new Set<string>();
  for (const raw of hosts) {
    let host = raw.trim();
    if (!host) continue;
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1); // [::1] as in URLs
    let name: AltName;
    if (isIP(host)) name = { type: 'ip', value: host };
    else if (DNS_NAME.test(host.replace(/\.$/, ''))) name = { type: 'dns', value: host.replace(/\.$/, '').toLowerCase() };
    else throw new PkiError(`bad host "${raw}": expected a DNS name or an IPv4/IPv6 address`);
    const key = `${name.type}:${name.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      altNames.push(name);
    }
  }
  if (altNames.length === 0) {
    throw new PkiError('no hosts given: a server certificate needs at least one DNS name or IP address');
  }
  return { commonName: altNames[0].value, altNames };
}

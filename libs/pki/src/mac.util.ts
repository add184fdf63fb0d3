import { normalizeMac } from '@tether/protocol';
import { PkiError } from './pki.error';

/** The device certificate CN: O3C identifies a device by its MAC as 12 upper-case hex digits. */
export function deviceCommonName(mac: string): string {
  const normalized = normalizeMac(mac.trim());
  if (!normalized) throw new PkiError(`bad MAC "${mac}": expected 12 hex digits, optionally separated by ':' or '-'`);
  return normalized.toUpperCase();
}

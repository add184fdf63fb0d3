import { PkiError } from './pki.error';

// Same rule as @tether/protocol's normalizeMac: 12 hex digits, optionally all ':'- or all '-'-separated.
const MAC = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** The device certificate CN: O3C identifies a device by its MAC as 12 upper-case hex digits. */
export function deviceCommonName(mac: string): string {
  const input = mac.trim();
  if (!MAC.test(input)) {
    throw new PkiError(`bad MAC "${mac}": expected 12 hex digits, optionally separated by ':' or '-'`);
  }
  return input.replace(/[:-]/g, '').toUpperCase();
}

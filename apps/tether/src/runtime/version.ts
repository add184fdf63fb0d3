import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version (server_version in status.cgi); dist/apps/tether/src/runtime is five levels below the root. */
export const TETHER_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

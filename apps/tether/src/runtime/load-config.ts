import { ConfigError, TetherConfig, loadConfigFile, parseConfig } from '@tether/config';
import { ParsedFlags, str } from '../cli/flags';

/** `--config FILE`, else the environment alone (TETHER_<KEY>), as in a container. */
export function configFromFlags(flags: ParsedFlags): TetherConfig {
  const file = str(flags, 'config');
  return file ? loadConfigFile(file) : parseConfig('', '(environment)');
}

export { ConfigError };

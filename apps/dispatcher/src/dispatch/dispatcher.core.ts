import { loadCa } from '@tether/pki';
import { AccountStore } from '../accounts/account.store';
import { CrlPublisher } from '../crl/crl.publisher';
import type { DispatcherDeps } from '../dispatcher.deps';
import { StateFile } from '../state/state.file';
import { DispatchService } from './dispatch.service';

/** Checks that the dispatcher's configuration is complete; throws naming the missing key. */
export function requireDispatcherConfig(config: DispatcherDeps['config']): void {
  const missing = (['dispatcher_accounts', 'dispatcher_state', 'dispatcher_ca_dir', 'cert_file', 'ca_cert_file'] as const).filter((k) => !config[k]);
  if (missing.length) throw new Error(`the dispatcher needs ${missing.join(', ')}`);
  if (!config.dispatcher_listen) throw new Error('the dispatcher needs dispatcher_listen (where devices in factory state connect)');
  if (!config.dispatcher_api_listen) throw new Error('the dispatcher needs dispatcher_api_listen (the provider API)');
  // It becomes a URL path segment (/crl/<id>.crl) that edges are configured with.
  if (config.dispatcher_crl_id && !/^[A-Za-z0-9._-]{1,128}$/.test(config.dispatcher_crl_id))
    throw new Error('dispatcher_crl_id must be 1-128 letters, digits, . _ - (it is the <id> of /crl/<id>.crl)');
}

/** The dispatcher's state, accounts, decisions and CRL, opened once at start. */
export class DispatcherCore {
  private constructor(
    readonly service: DispatchService,
    readonly crl: CrlPublisher,
    readonly crlId: string,
  ) {}

  static async open(deps: DispatcherDeps): Promise<DispatcherCore> {
    const { config, clock, logger } = deps;
    requireDispatcherConfig(config);
    const state = StateFile.open(config.dispatcher_state);
    const accounts = new AccountStore(config.dispatcher_accounts);
    await accounts.load(); // refuse to start on a broken account file rather than at the first register
    const ca = await loadCa({ dir: config.dispatcher_ca_dir, kind: 'dispatcher', password: config.dispatcher_ca_password || undefined });
    const crl = new CrlPublisher({ ca, caDir: config.dispatcher_ca_dir, state, validityS: config.dispatcher_crl_validity, clock, logger });
    const service = new DispatchService({ state, accounts, clock, logger, onRevoked: () => crl.publish() });
    await crl.publish();
    return new DispatcherCore(service, crl, config.dispatcher_crl_id || state.state.crlId);
  }
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '@tether/config';
import { requireDispatcherConfig } from './dispatcher.core';

const complete = [
  'dispatcher_listen = 127.0.0.1:0',
  'dispatcher_api_listen = 127.0.0.1:0',
  'cert_file = s.pem',
  'ca_cert_file = ca.crt',
  'dispatcher_accounts = accounts',
  'dispatcher_state = state.json',
  'dispatcher_ca_dir = ca',
];
const check = (lines: string[]) => () => requireDispatcherConfig(parseConfig(lines.join('\n'), 'd.conf', { env: {} }));

describe('the dispatcher configuration', () => {
  it('a complete one passes', () => {
    assert.doesNotThrow(check(complete));
    assert.doesNotThrow(check([...complete, 'dispatcher_crl_id = 66af0131-d6e8-40c1-93ba-edb6f2cc92d2']));
  });

  it('names every missing file key at once', () => {
    assert.throws(check(complete.slice(0, 2)), /^Error: the dispatcher needs dispatcher_accounts, dispatcher_state, dispatcher_ca_dir, cert_file, ca_cert_file$/);
  });

  it('needs both listeners, naming what each is for', () => {
    assert.throws(check(complete.slice(1)), /needs dispatcher_listen \(where devices in factory state connect\)/);
    assert.throws(check([complete[0], ...complete.slice(2)]), /needs dispatcher_api_listen \(the provider API\)/);
  });

  it('refuses a CRL id that cannot be one URL path segment', () => {
    assert.throws(check([...complete, 'dispatcher_crl_id = a/b']), /dispatcher_crl_id must be 1-128 letters, digits, \. _ -/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '@tether/config';
import { adminTlsOptions, requireAdminListener } from './admin-listeners';

const cfg = (text: string) => parseConfig(text, 'control.conf', { env: {} });

describe('admin listeners', () => {
  it('refuses a control with neither listen_admin nor listen_admin_https', () => {
    assert.throws(() => requireAdminListener(cfg('')), {
      message: 'control needs listen_admin (HTTP) or listen_admin_https (HTTPS with cert_file), or both; neither is set',
    });
  });

  it('accepts either listener alone, or both', () => {
    for (const text of ['listen_admin = 127.0.0.1:1', 'listen_admin_https = 127.0.0.1:2', 'listen_admin = :1\nlisten_admin_https = :2'])
      assert.doesNotThrow(() => requireAdminListener(cfg(text)), text);
  });

  it('needs a readable cert_file for listen_admin_https', () => {
    assert.throws(() => adminTlsOptions(cfg('listen_admin_https = 127.0.0.1:2')), /listen_admin_https needs cert_file/);
    assert.throws(
      () => adminTlsOptions(cfg('listen_admin_https = 127.0.0.1:2\ncert_file = /nonexistent/server.pem')),
      /listen_admin_https: cannot read cert_file \/nonexistent\/server\.pem/,
    );
  });
});

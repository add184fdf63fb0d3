import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveCrlMode } from './config.combinations';
import { ConfigError, parseConfig } from './config.loader';

const NO_ENV = { env: {} };
const parse = (text: string) => parseConfig(text, 'e.conf', NO_ENV);

describe('CRL configuration keys', () => {
  it('defaults: no CRL, mode auto (off), refresh hourly', () => {
    const c = parse('');
    assert.equal(c.crl_url, '');
    assert.equal(c.crl_path, '');
    assert.equal(c.crl_mode, 'auto');
    assert.equal(c.crl_refresh, 3600);
    assert.equal(effectiveCrlMode(c), 'off');
  });

  it('auto is soft as soon as crl_url or crl_path is set', () => {
    assert.equal(effectiveCrlMode(parse('crl_url = http://crl.example/ca.crl\n')), 'soft');
    assert.equal(effectiveCrlMode(parse('crl_path = /var/lib/tether/ca.crl\n')), 'soft');
    assert.equal(effectiveCrlMode(parse('crl_path = /x.crl\ncrl_mode = strict\n')), 'strict');
    assert.equal(effectiveCrlMode(parse('crl_url = https://crl.example/ca.crl\ncrl_mode = off\n')), 'off');
  });

  it('refuses a crl_url that is not an http(s) URL', () => {
    assert.throws(() => parse('crl_url = ftp://crl.example/ca.crl\n'), /e\.conf:1: crl_url: "ftp:\/\/crl\.example\/ca\.crl" is not an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => parse('crl_url = crl.example\n'), /crl_url: "crl\.example" is not a URL/);
  });

  it('refuses an unknown crl_mode and a crl_refresh out of range', () => {
    assert.throws(() => parse('crl_mode = hard\n'), /crl_mode: must be one of auto, off, soft, strict/);
    assert.throws(() => parse('crl_refresh = 0\n'), /crl_refresh: must be at least 1/);
  });

  for (const mode of ['soft', 'strict']) {
    it(`refuses crl_mode = ${mode} without crl_url or crl_path, naming the line`, () => {
      assert.throws(
        () => parse(`stserverid = e\ncrl_mode = ${mode}\n`),
        (err: ConfigError) => {
          assert.equal(err.problems.length, 1);
          assert.match(err.message, new RegExp(`e\\.conf:2: crl_mode: crl_mode = ${mode} needs crl_url or crl_path`));
          return true;
        },
      );
    });
  }

  it('checks the combination when the mode comes from the environment', () => {
    assert.throws(() => parseConfig('', 'e.conf', { env: { TETHER_CRL_MODE: 'strict' } }), /crl_mode: crl_mode = strict needs crl_url or crl_path/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, changedStaticKeys, parseConfig, printConfig } from './config.loader';

const NO_ENV = { env: {} };

describe('configuration file', () => {
  it('reads key = value lines with comments, quotes and defaults', () => {
    const c = parseConfig(
      ['# a comment', 'stserverid = edge-a', '', 'listen_user = 127.0.0.1:3128', 'keepalive=5', 'credentials = "root:secret"'].join('\n'),
      'x.conf',
      NO_ENV,
    );
    assert.equal(c.stserverid, 'edge-a');
    assert.deepEqual(c.listen_user, { host: '127.0.0.1', port: 3128 });
    assert.equal(c.keepalive, 5);
    assert.equal(c.credentials, 'root:secret');
    assert.equal(c.listen_client, null);
    assert.equal(c.request_timeout, 30);
    assert.equal(c.source, 'x.conf');
  });

  it('refuses unknown keys and bad values with file, line, key and reason, all at once', () => {
    assert.throws(
      () => parseConfig('stserverid = a\nbogus_key = 1\nkeepalive = soon\nlisten_user = nope\n', '/etc/tether.conf', NO_ENV),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 3);
        assert.match(err.message, /\/etc\/tether\.conf:2: bogus_key: unknown key/);
        assert.match(err.message, /\/etc\/tether\.conf:3: keepalive: "soon" is not a whole number/);
        assert.match(err.message, /\/etc\/tether\.conf:4: listen_user: "nope" is not an address:port/);
        return true;
      },
    );
  });

  it('refuses a key set twice and a line without "="', () => {
    assert.throws(() => parseConfig('keepalive = 1\nkeepalive = 2\n', 'f', NO_ENV), /f:2: keepalive: already set on line 1/);
    assert.throws(() => parseConfig('just words\n', 'f', NO_ENV), /f:1: just: expected "key = value"/);
  });

  it('checks ranges', () => {
    assert.throws(() => parseConfig('loglevel = 9', 'f', NO_ENV), /loglevel: must be at most 4/);
    assert.throws(() => parseConfig('listen_user = 1.2.3.4:70000', 'f', NO_ENV), /port 70000 is out of range/);
  });

  it('reads notify_urls as http(s) URLs and refuses anything else', () => {
    const c = parseConfig('notify_urls = http://a.example/n?t=1, https://b.example/\n', 'f', NO_ENV);
    assert.deepEqual(c.notify_urls, ['http://a.example/n?t=1', 'https://b.example/']);
    assert.throws(() => parseConfig('notify_urls = ftp://a.example/', 'f', NO_ENV), /notify_urls: "ftp:\/\/a.example\/" is not an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => parseConfig('notify_urls = notaurl', 'f', NO_ENV), /notify_urls: "notaurl" is not a URL/);
  });

  it('reads client_advertise as host:port and refuses anything else', () => {
    assert.equal(parseConfig('client_advertise = edge-1.example.com:8443\n', 'f', NO_ENV).client_advertise, 'edge-1.example.com:8443');
    assert.equal(parseConfig('client_advertise = [2001:db8::1]:8443\n', 'f', NO_ENV).client_advertise, '[2001:db8::1]:8443');
    assert.equal(parseConfig('', 'f', NO_ENV).client_advertise, '');
    for (const bad of ['edge-1', 'edge-1:0', 'edge-1:70000', 'http://edge-1:8443', ':8443'])
      assert.throws(() => parseConfig(`client_advertise = ${bad}\n`, 'f', NO_ENV), /client_advertise: ".*" is not a host:port such as edge-1\.example\.com:8443/, bad);
  });

  it('takes TETHER_<KEY> from the environment over the file, and validates it too', () => {
    const c = parseConfig('keepalive = 5\n', 'f', { env: { TETHER_KEEPALIVE: '7', TETHER_LISTEN_USER: '[::1]:3128', OTHER: 'x' } });
    assert.equal(c.keepalive, 7);
    assert.deepEqual(c.listen_user, { host: '::1', port: 3128 });
    assert.throws(() => parseConfig('', 'f', { env: { TETHER_KEEPALIVE: 'x' } }), /environment TETHER_KEEPALIVE: keepalive/);
  });

  it('prints every key with secrets as a single *', () => {
    const text = printConfig(parseConfig('credentials = root:pass\ncluster_token = t0ken\nlisten_user = :3128\n', 'f', NO_ENV));
    assert.match(text, /^credentials = \*$/m);
    assert.match(text, /^cluster_token = \*$/m);
    assert.match(text, /^listen_user = 0\.0\.0\.0:3128$/m);
    assert.doesNotMatch(text, /root:pass|t0ken/);
  });

  it('names the keys a reload cannot apply', () => {
    const a = parseConfig('listen_client = :1\nloglevel = 3\n', 'f', NO_ENV);
    const b = parseConfig('listen_client = :2\nloglevel = 4\n', 'f', NO_ENV);
    assert.deepEqual(changedStaticKeys(a, b), ['listen_client']);
  });
});

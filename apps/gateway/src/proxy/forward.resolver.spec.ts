import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForwardConfig, forwardResolver } from './forward.resolver';
import { RequestHeadInfo, RequestRefusal, parseRequestHead } from './http.head';
import { RequestPlan } from './request-plan';

const MAC = '00408c1a0001';
const head = (line: string, ...headers: string[]): RequestHeadInfo => parseRequestHead([line, ...headers].join('\r\n'));

function resolveWith(config: Partial<ForwardConfig>, info: RequestHeadInfo, bodyLength = 0): RequestPlan {
  const c: ForwardConfig = { user_credentials: '', credentials: '', ...config };
  return forwardResolver(() => c)(info, bodyLength) as RequestPlan;
}

describe('forwardResolver: the forward proxy request plan', () => {
  it('takes device, path and URL from the absolute-form target', () => {
    const p = resolveWith({}, head(`GET http://00:40:8C:1A:00:01/axis-cgi/param.cgi?action=list HTTP/1.1`));
    assert.deepEqual(p, {
      mac: MAC,
      path: '/axis-cgi/param.cgi?action=list',
      url: 'http://00:40:8C:1A:00:01/axis-cgi/param.cgi?action=list',
      credentials: null,
      stripAuth: false,
    });
  });

  it('refuses a bad target with its status; a request with a body closes the connection', () => {
    assert.throws(() => resolveWith({}, head('GET /x HTTP/1.1')), (e: RequestRefusal) => e.status === 400 && !e.close);
    assert.throws(() => resolveWith({}, head('POST http://nomac/ HTTP/1.1'), 5), (e: RequestRefusal) => e.status === 400 && e.close);
  });

  it('user_credentials: 407 with Proxy-Authenticate unless Proxy-Authorization matches', () => {
    const cfg = { user_credentials: 'u:p' };
    assert.throws(
      () => resolveWith(cfg, head(`GET http://${MAC}/ HTTP/1.1`, 'Proxy-Authorization: Basic eDp5')),
      (e: RequestRefusal) => e.status === 407 && e.extraHeaders === 'Proxy-Authenticate: Basic realm="tether"\r\n',
    );
    const ok = resolveWith(cfg, head(`GET http://${MAC}/ HTTP/1.1`, `Proxy-Authorization: Basic ${Buffer.from('u:p').toString('base64')}`));
    assert.equal(ok.mac, MAC);
  });

  it('credentials as user and password (the password may hold colons); none when empty', () => {
    assert.deepEqual(resolveWith({ credentials: 'root:a:b' }, head(`GET http://${MAC}/ HTTP/1.1`)).credentials, { user: 'root', pass: 'a:b' });
    assert.equal(resolveWith({ credentials: '' }, head(`GET http://${MAC}/ HTTP/1.1`)).credentials, null);
  });

  it('X-No-Internal-Authentication: 1 as a header or a cookie strips authentication; other values do not', () => {
    const cfg = { credentials: 'root:pass' };
    const strip = (...h: string[]) => resolveWith(cfg, head(`GET http://${MAC}/ HTTP/1.1`, ...h));
    for (const h of ['X-No-Internal-Authentication: 1', 'Cookie: X-No-Internal-Authentication=1', 'Cookie: a=1; x-no-internal-authentication=1; b=2']) {
      const p = strip(h);
      assert.equal(p.stripAuth, true, h);
      assert.equal(p.credentials, null, h);
    }
    for (const h of ['X-No-Internal-Authentication: 0', 'Cookie: X-No-Internal-Authentication=10', 'Cookie: aX-No-Internal-Authentication=1']) {
      const p = strip(h);
      assert.equal(p.stripAuth, false, h);
      assert.deepEqual(p.credentials, { user: 'root', pass: 'pass' }, h);
    }
  });
});

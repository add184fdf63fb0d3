import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyTargetError, parseProxyTarget } from './proxy-target.parser';

describe('absolute-form proxy targets', () => {
  it('takes the MAC in any case and form, with the path and query', () => {
    assert.deepEqual(parseProxyTarget('GET', 'http://00408CFD49B3/axis-cgi/param.cgi?action=list'), {
      mac: '00408cfd49b3',
      path: '/axis-cgi/param.cgi?action=list',
    });
    assert.equal(parseProxyTarget('GET', 'http://00-40-8c-fd-49-b3/').mac, '00408cfd49b3');
    assert.equal(parseProxyTarget('GET', 'HTTP://00408cfd49b3:80/x').path, '/x');
  });
  it('uses / for an empty path and keeps a bare query', () => {
    assert.equal(parseProxyTarget('GET', 'http://00408cfd49b3').path, '/');
    assert.equal(parseProxyTarget('GET', 'http://00408cfd49b3?a=1').path, '/?a=1');
  });
  it('drops the fragment', () => {
    assert.equal(parseProxyTarget('GET', 'http://00408cfd49b3/p#frag').path, '/p');
  });
  const refused: Array<[string, string, number, RegExp]> = [
    ['GET', '/axis-cgi/param.cgi', 400, /absolute URL/],
    ['GET', 'http://example.com/', 400, /not a device MAC/],
    ['GET', 'http://00408cfd49b3:8080/', 400, /Port 8080/],
    ['GET', 'http://u:p@00408cfd49b3/', 400, /Credentials/],
    ['GET', 'https://00408cfd49b3/', 400, /absolute URL/],
    ['CONNECT', '00408cfd49b3:443', 405, /CONNECT/],
    ['BREW', 'http://00408cfd49b3/', 405, /BREW/],
  ];
  for (const [method, url, status, reason] of refused)
    it(`refuses ${method} ${url} with ${status}`, () => {
      assert.throws(() => parseProxyTarget(method, url), (e: ProxyTargetError) => e.status === status && reason.test(e.reason));
    });
});

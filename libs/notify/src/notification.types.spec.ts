import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DELIVERY_ID_HEADER, Notification, notificationRequest, orderKeyOf } from './notification.types';

const s = 'my_o3c_server';

describe('notificationRequest (reference section 6)', () => {
  it('builds every kind with the method, query and headers of section 6', () => {
    const cases: [Notification, string, string][] = [
      [{ kind: 'server_up', stserverid: s }, 'PUT', '/n?action=server_up'],
      [{ kind: 'server_down', stserverid: s }, 'DELETE', '/n?action=server_down'],
      [{ kind: 'client_hello', stserverid: s, mac: '00408c123456', count: 1 }, 'HEAD', '/n?action=client_hello&client_id=1.00408C123456'],
      [
        { kind: 'client_connect', stserverid: s, mac: '00:40:8c:12:34:56', count: 1, srcaddr: '10.22.33.44' },
        'PUT',
        '/n?action=client_connect&client_id=1.00408C123456&client_srcaddr=10.22.33.44',
      ],
      [{ kind: 'client_disconnect', stserverid: s, mac: '00408C123456', count: 7 }, 'DELETE', '/n?action=client_disconnect&client_id=7.00408C123456'],
    ];
    for (const [n, method, path] of cases) {
      const r = notificationRequest('http://receiver.example/n', n);
      assert.equal(r.method, method, n.kind);
      assert.equal(r.path, path, n.kind);
      assert.deepEqual(r.headers, { 'X-Stserver-Id': s, Connection: 'Keep-Alive' }, n.kind);
    }
  });

  it('appends to a query the notify URL already has, and defaults the path to /', () => {
    const n: Notification = { kind: 'client_disconnect', stserverid: s, mac: '00408c123456', count: 2 };
    assert.equal(notificationRequest('https://r.example/hook?token=abc', n).path, '/hook?token=abc&action=client_disconnect&client_id=2.00408C123456');
    assert.equal(notificationRequest('http://r.example', { kind: 'server_up', stserverid: s }).path, '/?action=server_up');
  });

  it('keeps an IPv6 source address readable and escapes what must be escaped', () => {
    const n: Notification = { kind: 'client_connect', stserverid: s, mac: '00408c123456', count: 1, srcaddr: '2001:db8::1' };
    assert.match(notificationRequest('http://r/', n).path, /&client_srcaddr=2001:db8::1$/);
    assert.match(notificationRequest('http://r/', { ...n, srcaddr: 'a&b c' }).path, /&client_srcaddr=a%26b%20c$/);
  });

  it('adds the delivery id header when given one', () => {
    const r = notificationRequest('http://r/', { kind: 'server_up', stserverid: s }, 'abc123');
    assert.equal(r.headers[DELIVERY_ID_HEADER], 'abc123');
  });

  it('refuses notifications it cannot send, saying why', () => {
    const u = 'http://r/';
    assert.throws(() => notificationRequest(u, { kind: 'client_hello', stserverid: s, mac: 'nope', count: 1 }), /"nope" is not a MAC address/);
    assert.throws(() => notificationRequest(u, { kind: 'client_hello', stserverid: s, mac: '00408c123456' }), /count must be a whole number/);
    assert.throws(() => notificationRequest(u, { kind: 'client_connect', stserverid: s, mac: '00408c123456', count: 1 }), /srcaddr is empty/);
    assert.throws(() => notificationRequest(u, { kind: 'server_up', stserverid: '' }), /stserverid is empty/);
    assert.throws(() => notificationRequest(u, { kind: 'reboot' as never, stserverid: s }), /unknown notification kind "reboot"/);
  });

  it('orders by device whatever the MAC spelling, and by server for up/down', () => {
    const a = orderKeyOf({ kind: 'client_connect', stserverid: 'e1', mac: '00:40:8C:12:34:56', count: 1, srcaddr: 'x' });
    const b = orderKeyOf({ kind: 'client_disconnect', stserverid: 'e2', mac: '00408c123456', count: 1 });
    assert.equal(a, b);
    assert.notEqual(orderKeyOf({ kind: 'server_up', stserverid: 'e1' }), orderKeyOf({ kind: 'server_up', stserverid: 'e2' }));
  });
});

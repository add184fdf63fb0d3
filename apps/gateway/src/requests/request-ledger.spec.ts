import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestLedger } from './request-ledger';

describe('RequestLedger', () => {
  it('lists a request while it runs, with its bytes, and drops it when it ends', () => {
    const l = new RequestLedger();
    const e = l.begin('00408cfd49b3', '127.0.0.1:3', 'http://00408cfd49b3/axis-cgi/serverreport.cgi', 1000);
    l.received(e, 10);
    l.sent(e, 207);
    assert.equal(l.current(), 1);
    assert.deepEqual(l.snapshot(), [
      { id: e.id, mac: '00408cfd49b3', srcaddr: '127.0.0.1:3', url: 'http://00408cfd49b3/axis-cgi/serverreport.cgi', connectedAt: 1000, rx: 10, tx: 207 },
    ]);
    l.end(e, true);
    assert.equal(l.current(), 0);
    assert.deepEqual(l.totals(), { requests: 1, responses: 1, rx: 10, tx: 207 });
  });

  it('gives every request its own 32-hex-digit id and counts an unanswered end as no response', () => {
    const l = new RequestLedger();
    const a = l.begin('m', 's', 'u', 0);
    const b = l.begin('m', 's', 'u', 0);
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.notEqual(a.id, b.id);
    l.end(a, false);
    l.end(a, true); // a second end changes nothing
    assert.deepEqual(l.totals(), { requests: 2, responses: 0, rx: 0, tx: 0 });
  });
});

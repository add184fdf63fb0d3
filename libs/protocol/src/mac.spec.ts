import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatConnectionId, macPlus, normalizeMac, parseConnectionId } from './mac';

describe('normalizeMac', () => {
  it('accepts any case, with colons, dashes or no separators', () => {
    for (const m of ['00408CFD49B3', '00408cfd49b3', '00:40:8c:fd:49:b3', '00-40-8C-FD-49-B3'])
      assert.equal(normalizeMac(m), '00408cfd49b3', m);
  });
  it('refuses mixed separators, wrong lengths and non-hex', () => {
    for (const m of ['00:40-8c:fd:49:b3', '00408cfd49b', '00408cfd49b3a', '00408cfd49bg', '', 'example.com'])
      assert.equal(normalizeMac(m), null, m);
  });
});

describe('connection ids', () => {
  it('round-trips count.mac', () => {
    const id = parseConnectionId('12.00408C123456');
    assert.deepEqual(id, { count: 12, mac: '00408c123456' });
    assert.equal(formatConnectionId(id!), '12.00408c123456');
  });
  it('refuses ids without a count or with a bad MAC', () => {
    assert.equal(parseConnectionId('00408c123456'), null);
    assert.equal(parseConnectionId('x.00408c123456'), null);
    assert.equal(parseConnectionId('1.00408c12345'), null);
  });
});

describe('macPlus', () => {
  it('counts up with carry and keeps 12 digits', () => {
    assert.equal(macPlus('00408c0000ff', 1), '00408c000100');
    assert.equal(macPlus('000000000000', 0), '000000000000');
  });
  it('refuses to overflow the 48-bit space', () => {
    assert.throws(() => macPlus('ffffffffffff', 1), RangeError);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDebugQuery } from './debug-query';

const q = (s: string) => parseDebugQuery(new URLSearchParams(s), 3);

describe('debug.cgi arguments (reference Table 12)', () => {
  it('defaults the level to the configured loglevel and the client to every device', () => {
    assert.deepEqual(q(''), { level: 3, client: '' });
    assert.deepEqual(q('level=&client='), { level: 3, client: '' });
  });
  it('takes levels 0 to 4 and a client as status.cgi prints it (MAC in any case)', () => {
    assert.deepEqual(q('level=0'), { level: 0, client: '' });
    assert.deepEqual(q('level=4&client=12.00408C0000AB'), { level: 4, client: '12.00408c0000ab' });
  });
  it('refuses a level outside 0-4 or not a number', () => {
    for (const bad of ['5', '-1', 'debug', '1.5', '04'])
      assert.match((q(`level=${bad}`) as { error: string }).error, /^Invalid level/, bad);
  });
  it('refuses a client that is not count.mac', () => {
    for (const bad of ['00408c0000ab', '1.00408c0000a', 'x.00408c0000ab', '1.00408c0000ab@127.0.0.1:3'])
      assert.match((q(`client=${encodeURIComponent(bad)}`) as { error: string }).error, /^Invalid client/, bad);
  });
});

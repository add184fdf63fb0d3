import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { askCgi } from '../testing/control-deps.fixture';
import { DispatchCgi } from './dispatch.cgi';

describe('dispatch.cgi', () => {
  it('answers 501 with a clear reason in the O3C form until the dispatcher issue lands', async () => {
    const a = await askCgi(new DispatchCgi(), '/admin/dispatch.cgi?action=register&mac=00408CA03AF0');
    assert.equal(a.status, 501);
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.equal(
      a.body,
      'Request failed. (Reason: Not Implemented: dispatch.cgi (reference 3.8 and 4) is not available in this version of Tether.)\n',
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endToEndHeaders, headerValue } from './http.headers';

describe('endToEndHeaders', () => {
  it('drops hop-by-hop and proxy headers, keeps order and case of the rest', () => {
    const raw = ['Host', 'mac', 'Proxy-Connection', 'keep-alive', 'X-A', '1', 'Transfer-Encoding', 'chunked', 'Proxy-Authorization', 'Basic x', 'x-b', '2'];
    assert.deepEqual(endToEndHeaders(raw), [['Host', 'mac'], ['X-A', '1'], ['x-b', '2']]);
  });
  it('drops headers named in Connection', () => {
    assert.deepEqual(endToEndHeaders([['Connection', 'close, X-Secret'], ['X-Secret', 's'], ['Accept', '*/*']]), [['Accept', '*/*']]);
  });
  it('finds a header case-insensitively', () => {
    assert.equal(headerValue([['Content-Length', '5']], 'content-length'), '5');
    assert.equal(headerValue([], 'x'), undefined);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptError, classifyFailure, statusLine } from './failure-status';

const err = (code: string) => Object.assign(new Error(code), { code });

describe('failure status (the O3C LED table)', () => {
  it('maps socket errors to the LED rows', () => {
    assert.equal(classifyFailure(err('EHOSTUNREACH')), 'unreachable');
    assert.equal(classifyFailure(err('ENOTFOUND')), 'dns');
    assert.equal(classifyFailure(err('ETIMEDOUT')), 'timeout');
    assert.equal(classifyFailure(err('ECONNREFUSED')), 'refused');
    assert.equal(classifyFailure(err('ECONNRESET')), 'reset');
    assert.equal(classifyFailure(new AttemptError('not-registered', 'x')), 'not-registered');
    assert.equal(classifyFailure(err('ERR_SSL_WHATEVER')), 'other');
  });
  it('writes a status line an operator can match with the LED', () => {
    assert.equal(
      statusLine('00408c123456', 'srv:8443', err('ECONNREFUSED')),
      '00408c123456 -> srv:8443: connection refused [1 amber/green flash]: ECONNREFUSED',
    );
  });
});

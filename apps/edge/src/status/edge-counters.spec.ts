import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeCounters } from './edge-counters';

describe('edge counters for metrics.cgi', () => {
  it('counts a session closed for missed keepalives as a client timeout, and nothing else', () => {
    const c = new EdgeCounters();
    c.closed('connection error: Keepalive timeout');
    c.closed('connection error: read ETIMEDOUT');
    c.closed('connection closed');
    c.closed('replaced by a newer connection of the same device');
    c.closed('server shutting down');
    assert.equal(c.timeouts, 2);
  });
});

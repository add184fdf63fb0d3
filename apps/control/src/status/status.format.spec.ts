import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339Micro, statusJson, statusText } from './status.format';

const device = {
  connectionId: '1.00408cfd49b3',
  mac: '00408cfd49b3',
  count: 1,
  srcaddr: '127.0.0.1:2',
  accepted: true,
  protocolVersion: 2,
  connectedAt: Date.UTC(2022, 11, 16, 10, 1, 2),
  rx: 392654,
  tx: 0,
};

describe('status.cgi formats (O3C reference 3.1)', () => {
  it('prints RFC 3339 with microseconds in UTC', () => {
    assert.equal(rfc3339Micro(Date.UTC(2022, 11, 16, 10, 1, 2, 5)), '2022-12-16T10:01:02.005000Z');
  });
  it('plain text: the reference example with one connected device', () => {
    assert.equal(
      statusText([device]),
      'id=1.00408cfd49b3 srcaddr=127.0.0.1:2 accepted=1 v=2 rx=392654 tx=0 connected=2022-12-16T10:01:02.000000Z\n\nTotal number of clients: 1\n',
    );
    assert.equal(statusText([]), '\nTotal number of clients: 0\n');
  });
  it('JSON: the keys and types of tables 4 and 5', () => {
    const j = JSON.parse(statusJson([device], 2051.7, '0.1.0'));
    assert.deepEqual(j, {
      clients: [
        {
          serial: '00408CFD49B3',
          count: 1,
          source: '127.0.0.1:2',
          accepted: true,
          protocol_version: 2,
          connected: '2022-12-16T10:01:02.000000Z',
          rx: 392654,
          tx: 0,
          requests: [],
        },
      ],
      client_count: 1,
      uptime: 2051,
      server_version: '0.1.0',
    });
  });
});

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

  it('plain text: the reference example 3.1.1.2, one device and two ongoing requests indented by four spaces', () => {
    const requests = new Map([
      [
        '00408cfd49b3',
        [
          { id: '85b11b8467015304dfe075411cdfdf54', mac: '00408cfd49b3', srcaddr: '127.0.0.1:3', url: 'http://00408cfd49b3/axis-cgi/serverreport.cgi', connectedAt: Date.UTC(2022, 11, 16, 10, 3, 4), rx: 0, tx: 207 },
          { id: 'd509d6679ad843031b5cf7e46d6bf583', mac: '00408cfd49b3', srcaddr: '127.0.0.1:4', url: 'http://00408cfd49b3/axis-cgi/serverreport.cgi', connectedAt: Date.UTC(2022, 11, 16, 10, 3, 6), rx: 0, tx: 208 },
        ],
      ],
      ['00408c000099', [{ id: 'ffff', mac: '00408c000099', srcaddr: '1.2.3.4:5', url: 'http://00408c000099/', connectedAt: 0, rx: 0, tx: 0 }]],
    ]);
    assert.equal(
      statusText([{ ...device, rx: 392947 }], requests),
      [
        'id=1.00408cfd49b3 srcaddr=127.0.0.1:2 accepted=1 v=2 rx=392947 tx=0 connected=2022-12-16T10:01:02.000000Z',
        '    id=85b11b8467015304dfe075411cdfdf54 srcaddr=127.0.0.1:3 request=http://00408cfd49b3/axis-cgi/serverreport.cgi rx=0 tx=207 connected=2022-12-16T10:03:04.000000Z',
        '    id=d509d6679ad843031b5cf7e46d6bf583 srcaddr=127.0.0.1:4 request=http://00408cfd49b3/axis-cgi/serverreport.cgi rx=0 tx=208 connected=2022-12-16T10:03:06.000000Z',
        '',
        'Total number of clients: 1',
        '',
      ].join('\n'),
      'requests of a device that is not listed are not printed',
    );
  });
  it('JSON: the reference example 3.1.2.2, one device and one ongoing request (table 6)', () => {
    const mac = 'accc8e7bf64d';
    const requests = new Map([
      [mac, [{ id: '79426bdfd213963e50ceba4c192f9f1b', mac, srcaddr: '127.0.0.1:3', url: 'http://ACCC8E7BF64D/axis-cgi/mjpg/video.cgi', connectedAt: Date.UTC(2022, 11, 16, 10, 3, 4), rx: 0, tx: 757018 }]],
    ]);
    const j = JSON.parse(statusJson([{ ...device, mac, connectionId: `1.${mac}`, rx: 3111645 }], 2051, '2.33.0', requests));
    assert.deepEqual(j, {
      clients: [
        {
          serial: 'ACCC8E7BF64D',
          count: 1,
          source: '127.0.0.1:2',
          accepted: true,
          protocol_version: 2,
          connected: '2022-12-16T10:01:02.000000Z',
          rx: 3111645,
          tx: 0,
          requests: [
            {
              id: '79426bdfd213963e50ceba4c192f9f1b',
              source: '127.0.0.1:3',
              url: 'http://ACCC8E7BF64D/axis-cgi/mjpg/video.cgi',
              connected: '2022-12-16T10:03:04.000000Z',
              rx: 0,
              tx: 757018,
            },
          ],
        },
      ],
      client_count: 1,
      uptime: 2051,
      server_version: '2.33.0',
    });
  });
});

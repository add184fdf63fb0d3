import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  basicAuth, challenges, digestFields, digestHeader, duplexPair, MAC, parseChallenge, PASSWORD, request,
} from './camera.test-client';
import { createVirtualCamera } from './index';

const camera = () => createVirtualCamera({ mac: MAC, password: PASSWORD, serverList: ['o3c.example.com:8443'] });

describe('virtual camera fed with connections by the agent', () => {
  it("serves sockets handed over with server.emit('connection'), keep-alive included", async () => {
    const cam = camera();
    const front = net.createServer((sock) => cam.server.emit('connection', sock));
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    const port = (front.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal(cam.server.listening, false);
      const path = '/axis-cgi/param.cgi?action=list&group=Brand.Brand';
      const first = await request(port, { path, headers: basicAuth(), agent });
      assert.equal(first.status, 200);
      assert.equal(first.body, 'root.Brand.Brand=AXIS\n');
      assert.equal(first.reusedSocket, false);

      // Second request on the same connection, this time with Digest.
      const denied = await request(port, { path: '/axis-cgi/serverreport.cgi', agent });
      assert.equal(denied.status, 401);
      assert.equal(denied.reusedSocket, true);
      const challenge = parseChallenge(challenges(denied).find((c) => c.startsWith('Digest '))!);
      const auth = digestHeader(digestFields({ challenge, method: 'GET', uri: '/axis-cgi/serverreport.cgi' }));
      const report = await request(port, { path: '/axis-cgi/serverreport.cgi', headers: { Authorization: auth }, agent });
      assert.equal(report.status, 200);
      assert.equal(report.reusedSocket, true);
      assert.match(report.body, /Server list: o3c\.example\.com:8443/);
      assert.equal(report.headers['keep-alive'], 'timeout=60');
    } finally {
      agent.destroy();
      cam.close();
      front.close();
      await once(front, 'close');
    }
  });

  it('serves a plain in-memory duplex (like a tunnel channel) and close() destroys it', async () => {
    const cam = camera();
    const [serverSide, clientSide] = duplexPair();
    cam.server.emit('connection', serverSide);
    let text = '';
    clientSide.on('data', (c: Buffer) => (text += c));
    const auth = basicAuth().Authorization;
    const get = (path: string) => clientSide.write(`GET ${path} HTTP/1.1\r\nHost: camera\r\nAuthorization: ${auth}\r\n\r\n`);
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(text, re);
    };
    get('/axis-cgi/param.cgi?action=list&group=Brand.Brand');
    await waitFor(/root\.Brand\.Brand=AXIS\n$/);
    get('/axis-cgi/param.cgi?action=list&group=RemoteService.Enabled');
    await waitFor(/root\.RemoteService\.Enabled=yes\n$/);
    assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);

    const closed = once(serverSide, 'close');
    cam.close();
    await closed;
    assert.equal(clientSide.destroyed, true);

    // After close(), new streams are refused at once.
    const [late] = duplexPair();
    cam.server.emit('connection', late);
    assert.equal(late.destroyed, true);
  });
});

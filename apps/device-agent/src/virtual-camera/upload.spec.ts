import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { basicAuth, request, startCamera, type Reply, type Running } from './camera.test-client';

const CHUNK = 64 * 1024;

/** Streams `total` bytes in chunks, waiting for 'drain' like a well-behaved uploader. */
type Uploaded = Reply & { continued: boolean };

function upload(port: number, total: number, headers: Record<string, string>): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/local/tether/upload.cgi', headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => {
          const { headers, rawHeaders } = res;
          resolve({ status: res.statusCode ?? 0, headers, rawHeaders, body, reusedSocket: false, continued });
        });
      },
    );
    req.on('error', reject);
    req.on('continue', () => (continued = true));
    const send = async () => {
      const chunk = Buffer.alloc(CHUNK, 0xab);
      for (let sent = 0; sent < total; sent += CHUNK) {
        if (!req.write(chunk.subarray(0, Math.min(CHUNK, total - sent)))) await once(req, 'drain');
      }
      req.end();
    };
    if (headers.Expect) req.once('continue', () => void send().catch(reject));
    else send().catch(reject);
  });
}

describe('virtual camera: upload.cgi', () => {
  let cam: Running;
  before(async () => (cam = await startCamera()));
  after(() => cam.stop());

  it('counts a 5 MiB chunked upload', async () => {
    const res = await upload(cam.port, 5 * 1024 * 1024, basicAuth());
    assert.equal(res.status, 200);
    assert.equal(res.body, 'received=5242880');
    assert.equal(cam.camera.uploadedBytes(), 5242880);
  });

  it('accepts PUT with a Content-Length body and adds to the total', async () => {
    const body = Buffer.alloc(1000);
    const res = await request(cam.port, { method: 'PUT', path: '/local/tether/upload.cgi', headers: basicAuth(), body });
    assert.equal(res.body, 'received=1000');
    assert.equal(cam.camera.uploadedBytes(), 5242880 + 1000);
  });

  it('sends 100 Continue only after authentication', async () => {
    const ok = await upload(cam.port, 300_000, { ...basicAuth(), Expect: '100-continue' });
    assert.equal(ok.continued, true);
    assert.equal(ok.body, 'received=300000');

    const denied = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({
        host: '127.0.0.1', port: cam.port, method: 'POST', path: '/local/tether/upload.cgi', agent: false,
        headers: { ...basicAuth('wrong'), Expect: '100-continue', 'Content-Length': '10' },
      });
      req.on('continue', () => (continued = true));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.deepEqual(denied, { status: 401, continued: false });
    assert.equal(cam.camera.uploadedBytes(), 5242880 + 1000 + 300_000);
  });

  it('answers GET with 405', async () => {
    const res = await request(cam.port, { path: '/local/tether/upload.cgi', headers: basicAuth() });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST, PUT');
  });
});

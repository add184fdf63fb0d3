import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { activeResources, basicAuth, parseMultipart, request, startCamera, type Running } from './camera.test-client';

/** Reads the stream for `ms`, then aborts like a browser tab being closed. */
function readFor(port: number, path: string, ms: number): Promise<{ res: http.IncomingMessage; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: basicAuth(), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      setTimeout(() => {
        req.destroy();
        resolve({ res, data: Buffer.concat(chunks) });
      }, ms);
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

/** Width and height from the SOF0 segment. */
function sof0Size(jpeg: Buffer): { width: number; height: number } {
  const at = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(at > 0, 'SOF0 present');
  return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) };
}

describe('virtual camera: MJPEG video.cgi', () => {
  let cam: Running;
  before(async () => (cam = await startCamera()));
  after(() => cam.stop());

  it('streams JPEG parts at the requested fps, and stops when the client goes away', async () => {
    const timersBefore = activeResources('Timeout');
    const { res, data } = await readFor(cam.port, '/axis-cgi/mjpg/video.cgi?fps=10', 1000);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'multipart/x-mixed-replace; boundary=myboundary');
    const parts = parseMultipart(data, 'myboundary');
    assert.ok(parts.length >= 5 && parts.length <= 15, `${parts.length} frames in 1 s`);
    for (const p of parts) {
      assert.equal(p.headers['content-type'], 'image/jpeg');
      assert.equal(p.body.length, Number(p.headers['content-length']));
      assert.deepEqual([...p.body.subarray(0, 2)], [0xff, 0xd8]);
      assert.deepEqual([...p.body.subarray(-2)], [0xff, 0xd9]);
      assert.deepEqual(sof0Size(p.body), { width: 640, height: 480 });
    }
    assert.notDeepEqual(parts[0].body, parts[1].body, 'frames differ');

    // The server notices the abort and drops its frame timer.
    for (let i = 0; i < 50 && activeResources('Timeout') > timersBefore; i++) await sleep(20);
    assert.equal(activeResources('Timeout'), timersBefore);
  });

  it('honours resolution and falls back to the default fps', async () => {
    const { data } = await readFor(cam.port, '/axis-cgi/mjpg/video.cgi?resolution=320x240', 350);
    const parts = parseMultipart(data, 'myboundary');
    assert.ok(parts.length >= 2 && parts.length <= 6, `${parts.length} frames in 350 ms at 10 fps`);
    assert.deepEqual(sof0Size(parts[0].body), { width: 320, height: 240 });
  });

  it('refuses fps and resolution out of range with 400', async () => {
    for (const q of ['fps=0', 'fps=61', 'fps=abc', 'fps=2.5', 'resolution=0x10', 'resolution=4000x3000', 'resolution=big']) {
      const res = await request(cam.port, { path: `/axis-cgi/mjpg/video.cgi?${q}`, headers: basicAuth() });
      assert.equal(res.status, 400, q);
    }
  });

  it('ends open streams and their connections on close()', async () => {
    const other = await startCamera();
    const done = new Promise<Buffer>((resolve, reject) => {
      const path = '/axis-cgi/mjpg/video.cgi?fps=20';
      http
        .get({ host: '127.0.0.1', port: other.port, path, headers: basicAuth(), agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            if (chunks.length === 3) void other.stop();
          });
          res.on('error', () => undefined); // the connection is cut under it
          res.on('close', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    const data = await done;
    assert.ok(parseMultipart(data, 'myboundary').length >= 1);
    assert.equal(other.camera.server.listening, false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { basicAuth, request, startCamera } from './camera.test-client';

describe('virtual camera: restart.cgi', () => {
  it('answers OK, then calls onRestart once the answer is sent', async () => {
    let restarted: () => void = () => undefined;
    const called = new Promise<void>((r) => (restarted = r));
    let last: ServerResponse | undefined;
    let finishedWhenCalled: boolean | undefined;
    const cam = await startCamera({
      onRestart: () => {
        finishedWhenCalled = last?.writableFinished;
        restarted();
      },
    });
    try {
      cam.camera.server.on('request', (_req, res: ServerResponse) => (last = res));
      const res = await request(cam.port, { path: '/axis-cgi/restart.cgi', headers: basicAuth() });
      assert.equal(res.status, 200);
      assert.equal(res.body, 'OK');
      await called;
      assert.equal(finishedWhenCalled, true);
    } finally {
      await cam.stop();
    }
  });

  it('does not restart without credentials', async () => {
    let calls = 0;
    const cam = await startCamera({ onRestart: () => calls++ });
    try {
      assert.equal((await request(cam.port, { path: '/axis-cgi/restart.cgi' })).status, 401);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(calls, 0);
    } finally {
      await cam.stop();
    }
  });
});

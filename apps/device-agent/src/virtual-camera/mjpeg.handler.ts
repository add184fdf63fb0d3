import type { ServerResponse } from 'node:http';
import { reply } from './http.reply';
import { MAX_HEIGHT, MAX_WIDTH } from './jpeg.frame';
import { BOUNDARY, MjpegStream } from './mjpeg.stream';
import { MAX_FPS, type CameraConfig } from './virtual-camera.options';

export const DEFAULT_RESOLUTION = { width: 640, height: 480 };

/** GET /axis-cgi/mjpg/video.cgi[?fps=N&resolution=WxH]; `streams` holds it until the client goes. */
export function handleMjpeg(res: ServerResponse, url: URL, c: CameraConfig, streams: Set<MjpegStream>): void {
  const fpsArg = url.searchParams.get('fps');
  const fps = fpsArg === null ? c.fps : Number(fpsArg);
  if (!/^\d+$/.test(fpsArg ?? '1') || fps < 1 || fps > MAX_FPS) {
    return reply(res, 400, `# Error: fps must be an integer 1-${MAX_FPS}\n`);
  }
  const resArg = url.searchParams.get('resolution');
  const m = resArg === null ? null : /^(\d{1,4})x(\d{1,4})$/.exec(resArg);
  const size = m ? { width: Number(m[1]), height: Number(m[2]) } : DEFAULT_RESOLUTION;
  const sizeOk = size.width >= 1 && size.height >= 1 && size.width <= MAX_WIDTH && size.height <= MAX_HEIGHT;
  if (resArg !== null && (!m || !sizeOk)) {
    return reply(res, 400, `# Error: resolution must be WxH up to ${MAX_WIDTH}x${MAX_HEIGHT}\n`);
  }
  res.writeHead(200, {
    'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
  });
  const stream = new MjpegStream(res, { fps, ...size, clock: c.clock });
  streams.add(stream);
  // 'close' fires when the client goes away and when close() ends the response.
  res.once('close', () => {
    stream.stop();
    streams.delete(stream);
  });
  stream.start();
}

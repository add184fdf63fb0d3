import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AuthGuard } from './auth.guard';
import { cameraParams } from './camera.params';
import { reply } from './http.reply';
import { handleMjpeg } from './mjpeg.handler';
import type { MjpegStream } from './mjpeg.stream';
import { handleParam } from './param.handler';
import { ParamStore } from './param.store';
import { assertServerList } from './server-list';
import { handleServerReport } from './serverreport.handler';
import { handleUpload } from './upload.handler';
import { resolveOptions, type VirtualCamera, type VirtualCameraOptions } from './virtual-camera.options';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
interface Route {
  methods: string[];
  handle: Handler;
}

/** An Axis-like camera web server (a VAPIX subset) for the agent's --simulate mode. */
export function createVirtualCamera(o: VirtualCameraOptions): VirtualCamera {
  const c = resolveOptions(o);
  const startedAt = c.clock.now();
  const store = new ParamStore(cameraParams(c, o.serverList), o.serverList);
  const auth = new AuthGuard(c);
  const streams = new Set<MjpegStream>();
  const connections = new Set<Duplex>();
  let uploaded = 0;
  let closed = false;

  const routes: Record<string, Route> = {
    '/axis-cgi/param.cgi': {
      methods: ['GET', 'POST'],
      handle: (req, res, url) => handleParam(req, res, url, store, (list) => o.onServerListChange?.(list)),
    },
    '/axis-cgi/serverreport.cgi': {
      methods: ['GET'],
      handle: (_req, res) => handleServerReport(res, c, store, startedAt),
    },
    '/axis-cgi/mjpg/video.cgi': { methods: ['GET'], handle: (_req, res, url) => handleMjpeg(res, url, c, streams) },
    '/axis-cgi/restart.cgi': {
      methods: ['GET'],
      handle: (_req, res) => reply(res, 200, 'OK', {}, () => o.onRestart?.()),
    },
    '/local/tether/upload.cgi': {
      methods: ['POST', 'PUT'],
      handle: (req, res) => handleUpload(req, res, (n) => (uploaded += n)),
    },
  };

  // Authentication comes before routing, so unauthenticated clients learn nothing about paths.
  const onRequest = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    if (!auth.admit(req, res)) return;
    // Sent only now, so an unauthenticated client never uploads a body it will have to resend.
    if (expectsContinue) res.writeContinue();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://camera');
    } catch {
      return reply(res, 400, 'Bad Request');
    }
    const route = routes[url.pathname];
    if (!route) return reply(res, 404, 'Not Found');
    if (!route.methods.includes(req.method ?? '')) {
      return reply(res, 405, 'Method Not Allowed', { Allow: route.methods.join(', ') });
    }
    Promise.resolve()
      .then(() => route.handle(req, res, url))
      .catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else reply(res, 500, `# Error: ${err instanceof Error ? err.message : String(err)}\n`);
      });
  };

  const server = createServer();
  server.on('request', (req, res) => onRequest(req, res, false));
  server.on('checkContinue', (req, res) => onRequest(req, res, true));
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  // Uploads through a slow tunnel may legitimately take longer than node's default 5 minutes.
  server.requestTimeout = 0;
  // Also sees the tunnel streams the agent emits, which node's own tracking does not cover.
  server.on('connection', (conn: Duplex) => {
    if (closed) return void conn.destroy();
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
  });

  return {
    server,
    serverList: () => store.serverList(),
    setServerList(list) {
      assertServerList(list);
      store.setServerList(list);
    },
    uploadedBytes: () => uploaded,
    close() {
      if (closed) return;
      closed = true;
      for (const s of streams) s.stop(true);
      // Harmless when never listening; also clears node's connection-checking timer.
      server.close();
      for (const conn of connections) conn.destroy();
    },
  };
}

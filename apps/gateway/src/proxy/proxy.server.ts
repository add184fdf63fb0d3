import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { ListenAddress, boundAddress, formatListen, guardListener, listenOn } from '@tether/config';
import { RequestHead, TunnelError, basicAuthMatches, endToEndHeaders } from '@tether/protocol';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { DeviceRouter } from '../routing/device-router.service';
import { ProxyTargetError, parseProxyTarget } from './proxy-target.parser';
import { replyFailure, socketFailure } from './proxy-reply';

/** Seconds beyond request_timeout the gateway waits for an edge's answer (the edge's own 504 comes first). */
const EDGE_GRACE_S = 3;

/** The edge holding the device stayed silent past the head deadline (frozen, partitioned). */
class EdgeSilentError extends TunnelError {
  constructor(edgeId: string, seconds: number) {
    super('timeout', `Edge ${edgeId} did not answer within ${seconds} s`);
  }
}

/** Request ids (status.cgi): a random 64-bit prefix per process and a counter, 128 bits of hex, unique and cheap. */
const ID_PREFIX = randomBytes(8).toString('hex');
let idCounter = 0n;
const nextRequestId = () => ID_PREFIX + (idCounter++).toString(16).padStart(16, '0');

/** Headers the proxy consumes itself and never passes to the device. */
const CONSUMED = new Set(['expect']);

/**
 * listen_user: the HTTP forward proxy (`curl -x`). Each absolute-form request is routed to the edge
 * that holds the device and streamed both ways; errors answer in the O3C `Request failed.` form.
 */
@Injectable()
export class ProxyServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: http.Server;
  private readonly log;

  constructor(
    @Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps,
    private readonly router: DeviceRouter,
  ) {
    this.log = deps.logger.child('user');
  }

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.listen_user;
    if (!listen) return;
    const c = this.deps.config;
    guardListener('listen_user', listen, 'user_credentials', c);
    this.server = http.createServer({ maxHeaderSize: c.max_header_size, keepAliveTimeout: 60_000 }, (req, res) =>
      void this.onRequest(req, res),
    );
    this.server.headersTimeout = 30_000;
    this.server.requestTimeout = 0; // long uploads and MJPEG streams are legitimate
    this.server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
      if (err.code === 'HPE_HEADER_OVERFLOW') socketFailure(socket, 431, 'Request header too large');
      else if (err.code === 'ECONNRESET' || !socket.writable) socket.destroy();
      else socketFailure(socket, 400, 'Malformed request');
    });
    this.server.on('connect', (_req, socket: Socket) => socketFailure(socket, 405, 'Method CONNECT is not supported'));
    await listenOn(this.server, listen);
    this.log.notice(`listen_user on ${formatListen(this.address())}`);
  }

  private authorized(req: http.IncomingMessage): boolean {
    const want = this.deps.config.user_credentials;
    return !want || basicAuthMatches(req.headers['proxy-authorization'], want);
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = this.deps.clock.now();
    res.on('finish', () => this.deps.metrics.proxyRequest(res.statusCode, (this.deps.clock.now() - started) / 1000));
    const srcaddr = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const url = req.url ?? '';
    let target;
    try {
      target = parseProxyTarget(req.method ?? '', url);
    } catch (err) {
      const e = err as ProxyTargetError;
      req.resume();
      return replyFailure(res, e.status, e.reason);
    }
    if (!this.authorized(req)) {
      req.resume();
      return replyFailure(res, 407, 'Proxy authentication required', { 'Proxy-Authenticate': 'Basic realm="tether"' });
    }

    const head: RequestHead = {
      id: nextRequestId(),
      mac: target.mac,
      method: req.method ?? 'GET',
      path: target.path,
      headers: endToEndHeaders(req.rawHeaders).filter(([k]) => !CONSUMED.has(k.toLowerCase())),
      srcaddr,
      url,
    };
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    try {
      const route = await this.router.route(target.mac);
      if (abort.signal.aborted) return; // the user left during the lookup: nothing to forward
      if (!route) {
        req.resume();
        return replyFailure(res, 404, `Device ${target.mac} is not connected`);
      }
      const response = await this.headDeadline(
        req,
        abort,
        route.edgeId,
        this.deps.edgeLink.tunnel(route.edgeAddress).forward(head, req, abort.signal),
      );
      const flat: string[] = [];
      for (const [k, v] of response.head.headers) flat.push(k, v);
      res.writeHead(response.head.status, response.head.statusMessage || undefined, flat);
      // pipe, not pipeline: pipeline builds and aborts an AbortController per call, a measurable cost here.
      response.body.on('error', (err: Error) => {
        if (!abort.signal.aborted) this.log.notice(`response cut short: ${err.message}`, { user: `${head.id}@${srcaddr}` });
        res.destroy();
      });
      response.body.pipe(res);
    } catch (err) {
      req.resume();
      const e = err instanceof TunnelError ? err : TunnelError.from(err);
      // The head deadline aborts the call too, but it still owes the user its 504.
      if (err instanceof EdgeSilentError) this.log.warn(err.reason, { user: `${head.id}@${srcaddr}` });
      else if (abort.signal.aborted) return;
      if (e.code === 'internal') this.log.error(`request failed: ${(err as Error).message}`, { user: `${head.id}@${srcaddr}` });
      replyFailure(res, e.status, e.reason);
    }
  }

  /**
   * Bounds the wait for the response head. The edge answers 504 itself when the device is slow
   * (request_timeout), but a frozen or partitioned edge keeps its gRPC connection open and would hold
   * the user until gRPC keepalive notices, or for ever on a fresh connection. So the gateway gives the
   * edge request_timeout + EDGE_GRACE_S of silence; the window slides while the user's upload still
   * moves (a stalled upload means the edge stopped reading too).
   */
  private headDeadline<T>(req: http.IncomingMessage, abort: AbortController, edgeId: string, pending: Promise<T>): Promise<T> {
    const clock = this.deps.clock;
    const seconds = this.deps.config.request_timeout + EDGE_GRACE_S;
    let timer: unknown;
    const expired = new Promise<never>((_, reject) => {
      let seen = req.socket.bytesRead;
      const arm = () => {
        timer = clock.setTimeout(() => {
          if (req.socket.bytesRead !== seen) {
            seen = req.socket.bytesRead;
            return arm();
          }
          reject(new EdgeSilentError(edgeId, seconds));
          abort.abort(); // cancels the gRPC call
        }, seconds * 1000);
      };
      arm();
    });
    return Promise.race([pending, expired]).finally(() => clock.clearTimeout(timer));
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import { ListenAddress, boundAddress, formatListen, listenOn } from '@tether/config';
import { DispatchError } from '../dispatch/dispatch.error';
import { DispatcherCore } from '../dispatch/dispatcher.core';
import { DISPATCHER_DEPS, DispatcherDeps } from '../dispatcher.deps';
import { readJsonBody } from './json-body';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    // A body refused unread is not worth draining on a kept-alive connection.
    ...(status === 413 ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

/**
 * dispatcher_api_listen: the provider API over HTTPS (cert_file). `POST /register` and `POST /unregister`
 * take a JSON object ({user, pass, mac, oak, server, caPem} / {user, pass, mac}); success is 200 with what
 * was done, a refusal its status and `{"error": "<message>"}`. Control's dispatch.cgi is its client.
 */
@Injectable()
export class ProviderApiServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: https.Server;
  private readonly log;

  constructor(
    @Inject(DISPATCHER_DEPS) private readonly deps: DispatcherDeps,
    private readonly core: DispatcherCore,
  ) {
    this.log = deps.logger.child('api');
  }

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.dispatcher_api_listen!;
    const pem = readFileSync(this.deps.config.cert_file);
    this.server = https.createServer({ cert: pem, key: pem, minVersion: 'TLSv1.2' }, (req, res) => void this.handle(req, res));
    await listenOn(this.server, listen);
    this.log.notice(`dispatcher_api_listen on ${formatListen(this.address())}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const action = path === '/register' ? 'register' : path === '/unregister' ? 'unregister' : undefined;
    try {
      if (!action) throw new DispatchError(404, `No such API: ${JSON.stringify(path.slice(0, 64))} (POST /register or /unregister)`);
      if (req.method !== 'POST') throw new DispatchError(405, `${action} takes POST`);
      const body = await readJsonBody(req);
      const result = action === 'register' ? await this.core.service.register(body) : await this.core.service.unregister(body);
      json(res, 200, result);
    } catch (err) {
      req.resume();
      if (err instanceof DispatchError) return json(res, err.status, { error: err.message });
      this.log.error(`${action ?? path}: ${(err as Error).message}`);
      json(res, 500, { error: 'Internal dispatcher error' });
    }
  }

  onApplicationShutdown(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}

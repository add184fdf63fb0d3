import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { formatListen, guardListener } from '@tether/config';
import {
  CLUSTER_TOKEN_METADATA,
  DeviceCommandName,
  TUNNEL_CHANNEL_OPTIONS,
  secretMatches,
  serveLink,
  tunnelService,
} from '@tether/protocol';
import { EDGE_DEPS, EdgeDeps } from '../edge.deps';
import { DeviceTunnelService } from './device-tunnel.service';
import { widenReceiveWindow } from './receive-window';

const COMMANDS: DeviceCommandName[] = ['evict', 'redirect', 'reconnect', 'restart', 'set-servers'];

/** grpc_listen: the Tunnel service gateways and control call. */
@Injectable()
export class TunnelGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: grpc.Server;
  private port = 0;
  private readonly log;

  constructor(
    @Inject(EDGE_DEPS) private readonly deps: EdgeDeps,
    private readonly tunnel: DeviceTunnelService,
  ) {
    this.log = deps.logger.child('grpc');
  }

  boundPort(): number {
    return this.port;
  }

  private authorized(md: grpc.Metadata): boolean {
    const want = this.deps.config.cluster_token;
    return !want || secretMatches(String(md.get(CLUSTER_TOKEN_METADATA)[0] ?? ''), want);
  }

  async onApplicationBootstrap(): Promise<void> {
    const listen = this.deps.config.grpc_listen;
    if (!listen) return;
    guardListener('grpc_listen', listen, 'cluster_token', this.deps.config);
    this.server = new grpc.Server(TUNNEL_CHANNEL_OPTIONS);
    this.server.addService(tunnelService(), {
      Link: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        if (!this.authorized(call.metadata)) {
          call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'cluster token mismatch' });
          return;
        }
        if (!widenReceiveWindow(call)) this.log.debug('could not widen the HTTP/2 receive window of a Link');
        serveLink(call as unknown as Duplex, this.tunnel.open);
      },
      Command: (
        call: grpc.ServerUnaryCall<{ mac: string; epoch: string; command: string; server: string; servers: string[] }, unknown>,
        cb: grpc.sendUnaryData<{ ok: boolean; detail: string }>,
      ) => {
        if (!this.authorized(call.metadata))
          return cb({ code: grpc.status.UNAUTHENTICATED, details: 'cluster token mismatch' });
        const r = call.request;
        if (!COMMANDS.includes(r.command as DeviceCommandName))
          return cb({ code: grpc.status.INVALID_ARGUMENT, details: `unknown command ${r.command}` });
        this.tunnel
          .command({ mac: r.mac, epoch: r.epoch, command: r.command as DeviceCommandName, server: r.server, servers: r.servers })
          .then((reply) => cb(null, reply), (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }));
      },
      Status: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        if (!this.authorized(call.metadata))
          return cb({ code: grpc.status.UNAUTHENTICATED, details: 'cluster token mismatch' });
        cb(null, { edgeId: this.deps.config.stserverid, devices: this.tunnel.status() });
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server!.bindAsync(formatListen(listen), grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    this.log.notice(`grpc_listen on ${listen.host}:${this.port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

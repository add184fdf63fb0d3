import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { digestAuthorization, parseChallenges } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { DeviceHttpAnswer, DeviceHttpRequest, tunnelHttpRequest } from './tunnel-http.client';

/**
 * Requests control itself sends to a device's web server (serverlist.cgi's param.cgi), through the edge that
 * holds it and with internal authentication (`credentials`, `force_authentication_mode`) as the gateway does
 * it: mode 1 sends Basic at once; modes 0 and 2 send the request bare first (a device that protects it
 * answers 401 without acting) and answer the challenge: Digest when offered, Basic only in mode 0.
 */
@Injectable()
export class DeviceHttp {
  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {}

  async request(rec: PresenceRecord, req: DeviceHttpRequest): Promise<DeviceHttpAnswer> {
    const { credentials, force_authentication_mode: mode } = this.deps.live.current;
    const send = (authorization?: string) => this.send(rec, authorization ? { ...req, headers: { ...req.headers, Authorization: authorization } } : req);
    if (!credentials) return send();
    const colon = credentials.indexOf(':');
    const creds = { user: colon < 0 ? credentials : credentials.slice(0, colon), pass: colon < 0 ? '' : credentials.slice(colon + 1) };
    const basic = 'Basic ' + Buffer.from(`${creds.user}:${creds.pass}`).toString('base64');
    if (mode === 1) return send(basic);
    const bare = await send();
    if (bare.status !== 401) return bare;
    const offered = parseChallenges(bare.headers.get('www-authenticate') ?? []);
    if (offered.digest) return send(digestAuthorization(offered.digest, creds, req.method, req.path, 1, randomBytes(16).toString('hex')));
    if (offered.basic && mode === 0) return send(basic);
    return bare;
  }

  private send(rec: PresenceRecord, request: DeviceHttpRequest): Promise<DeviceHttpAnswer> {
    const { edgeLink, clock, config, live } = this.deps;
    return tunnelHttpRequest({
      tunnel: edgeLink.tunnel(rec.edgeAddress),
      mac: rec.mac,
      srcaddr: `control ${config.stserverid}`,
      request,
      timeoutMs: live.current.request_timeout * 1000,
      clock,
    });
  }
}

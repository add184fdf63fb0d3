import type { DeviceTunnel } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import type { Clock, Logger } from '@tether/telemetry';
import type { RequestHeadInfo } from './http.head';
import type { RequestPlan } from './request-plan';

/** What a ProxyConnection needs from its server; one per listener, shared by its connections. */
export interface ProxyContext {
  maxHeaderSize: number;
  /** request_timeout in ms, read per request (a live key). */
  requestTimeoutMs(): number;
  /** How long a silent edge gets to answer a ping before the user hears it is the edge, not the device. */
  edgeGraceMs: number;
  /** Decides where a parsed request goes; throws (or rejects with) a RequestRefusal to answer it with an error. */
  resolve(info: RequestHeadInfo, bodyLength: number): RequestPlan | Promise<RequestPlan>;
  route(mac: string): Promise<PresenceRecord | null>;
  tunnel(edgeAddress: string): DeviceTunnel;
  clock: Clock;
  onResponse(status: number, seconds: number): void;
  log: Logger;
}

import type { DeviceTunnel } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import type { Clock, Direction, Logger } from '@tether/telemetry';
import type { InternalAuth } from '../auth/internal-auth';
import type { RequestLedger } from '../requests/request-ledger';
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
  /** Bytes from the user ('in') and to the user ('out'), per chunk. */
  onBytes(direction: Direction, bytes: number): void;
  /** Ongoing requests and totals (status.cgi, metrics.cgi): one per gateway, shared by its listeners. */
  ledger: RequestLedger;
  /** Internal authentication towards devices, with its per-device challenge cache (one per gateway). */
  auth: InternalAuth;
  log: Logger;
}

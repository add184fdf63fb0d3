import type { Readable } from 'node:stream';

/** Raw header pairs, order and case preserved. */
export type HeaderPairs = Array<[string, string]>;

export interface RequestHead {
  id: string;
  mac: string;
  method: string;
  path: string;
  headers: HeaderPairs;
  srcaddr: string;
  url: string;
}

export interface ResponseHead {
  status: number;
  statusMessage: string;
  headers: HeaderPairs;
}

export interface TunnelResponse {
  head: ResponseHead;
  /** Ends when the response is complete; is destroyed with a TunnelError when it is cut short. */
  body: Readable;
}

/**
 * One request to one device. Rejects with a TunnelError before a response head exists; once the
 * head has arrived, failures surface as an error on `body`.
 */
export interface DeviceTunnel {
  forward(head: RequestHead, body: Readable, signal: AbortSignal): Promise<TunnelResponse>;
}

export type DeviceCommandName = 'evict' | 'redirect' | 'reconnect' | 'restart' | 'set-servers';

export interface DeviceCommand {
  mac: string;
  epoch: string;
  command: DeviceCommandName;
  server?: string;
  servers?: string[];
}

export interface DeviceCommandReply {
  ok: boolean;
  detail: string;
}

/** One device connection as status.cgi shows it. */
export interface DeviceStatus {
  connectionId: string;
  mac: string;
  count: number;
  srcaddr: string;
  accepted: boolean;
  protocolVersion: number;
  connectedAt: number;
  rx: number;
  tx: number;
}

/** How the gateway (or control) reaches the edge that holds a device. */
export interface EdgeLink {
  tunnel(edgeAddress: string): DeviceTunnel;
  command(edgeAddress: string, cmd: DeviceCommand): Promise<DeviceCommandReply>;
  status(edgeAddress: string): Promise<DeviceStatus[]>;
  close(): Promise<void>;
}

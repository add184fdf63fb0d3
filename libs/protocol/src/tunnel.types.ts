import type { DeviceTunnel } from './link/link.types';

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
  /** The device's server list as its hello gave it (a redirect moves it only to one of these). */
  servers?: string[];
}

/** How the gateway (or control) reaches the edge that holds a device. */
export interface EdgeLink {
  tunnel(edgeAddress: string): DeviceTunnel;
  command(edgeAddress: string, cmd: DeviceCommand): Promise<DeviceCommandReply>;
  status(edgeAddress: string): Promise<DeviceStatus[]>;
  close(): Promise<void>;
}

import { Mac } from './mac';

/** Agent -> edge, first message on the control channel. */
export interface HelloMessage {
  type: 'hello';
  /** `count.mac` */
  id: string;
  protocolVersion: number;
  /** How many requests the device serves at once. */
  maxConn: number;
  /** The device's server list (`root.RemoteService.ServerList`). */
  servers: string[];
  firmware: string;
  /** Owner authentication key of a device in factory state (only a dispatcher reads it). */
  oak?: string;
}

/** Edge -> agent: move to `server` if it is in the device's list (the agent answers OK either way). */
export interface RedirectCommand {
  type: 'redirect';
  server: string;
}
export interface ReconnectCommand {
  type: 'reconnect';
}
export interface RestartCommand {
  type: 'restart';
}
export interface SetServersCommand {
  type: 'set-servers';
  servers: string[];
}
/**
 * Dispatcher -> agent: the device was registered to a provider; from now on it connects to `servers` and
 * trusts only `caPem` (the provider CA), as if the dispatcher had reconfigured a factory-reset camera.
 */
export interface ProvisionCommand {
  type: 'provision';
  servers: string[];
  caPem: string;
}
/** Edge -> agent after hello: the device is accepted and reachable. */
export interface AcceptedMessage {
  type: 'accepted';
  epoch: string;
}
/** Agent -> edge: result of a command. */
export interface CommandResult {
  type: 'result';
  command: ControlCommand['type'];
  ok: boolean;
  detail?: string;
}

export type ControlCommand = RedirectCommand | ReconnectCommand | RestartCommand | SetServersCommand | ProvisionCommand;
export type AgentMessage = HelloMessage | CommandResult;
export type EdgeMessage = ControlCommand | AcceptedMessage;

export function encodeControl(msg: AgentMessage | EdgeMessage): string {
  return JSON.stringify(msg) + '\n';
}

/** Splits a byte stream into JSON messages, one per line; refuses lines longer than `maxLine`. */
export class ControlDecoder<T extends { type: string }> {
  private buffer = '';
  constructor(private readonly maxLine = 64 * 1024) {}

  push(chunk: Buffer | string): T[] {
    this.buffer += chunk.toString();
    const out: T[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) out.push(parseMessage<T>(line));
    }
    if (this.buffer.length > this.maxLine) throw new Error(`control line longer than ${this.maxLine} bytes`);
    return out;
  }
}

function parseMessage<T extends { type: string }>(line: string): T {
  const msg = JSON.parse(line) as T;
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') throw new Error('control message without type');
  return msg;
}

export function isHello(msg: { type: string }, mac: Mac): msg is HelloMessage {
  const h = msg as HelloMessage;
  return (
    h.type === 'hello' &&
    typeof h.id === 'string' &&
    h.id.endsWith('.' + mac) &&
    Number.isInteger(h.protocolVersion) &&
    Number.isInteger(h.maxConn) &&
    h.maxConn > 0 &&
    Array.isArray(h.servers) &&
    (h.oak === undefined || typeof h.oak === 'string')
  );
}

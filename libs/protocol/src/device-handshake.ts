import type { AuthContext, Connection, ServerChannel, Session } from 'ssh2';
import { AgentMessage, ControlDecoder, HelloMessage, isHello } from './control.message';
import { parseConnectionId } from './mac';
import { CONTROL_SUBSYSTEM } from './tunnel.constants';

/** The timers the handshake needs (a `Clock` of @tether/telemetry fits). */
export interface HandshakeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HandshakeResult {
  hello: HelloMessage;
  /** Paused: whoever takes the device over resumes it, so nothing after hello is lost. */
  control: ServerChannel;
  /** Holds what arrived after hello in the same chunk. */
  decoder: ControlDecoder<AgentMessage>;
}

/** Why a handshake failed, as `tether_device_handshakes_total` counts it. */
export type HandshakeFailure = 'refused' | 'timeout' | 'mac_mismatch';

export class HandshakeError extends Error {
  constructor(
    message: string,
    readonly result: HandshakeFailure = 'refused',
  ) {
    super(message);
  }
}

/** Outside the handshake's closure: it stays for the connection's life, and must hold nothing of the handshake. */
function grantForwarding(accept: (() => void) | undefined, reject: (() => void) | undefined, name: string): void {
  if (name === 'tcpip-forward') accept?.();
  else reject?.();
}

/**
 * The server side of a device's SSH arrival (edges and the dispatcher alike): the user must be
 * `count.<certificate MAC>`, remote forwarding is granted, and the first message on the control
 * subsystem must be a valid hello.
 */
export function deviceHandshake(ssh: Connection, certMac: string, timers: HandshakeTimers, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    let done = false;
    /**
     * Settled: the handshake's listeners go, or they would hold this closure (its timer, the promise) for
     * the connection's life; whoever takes the connection over listens for 'error' and 'close' itself.
     */
    const settle = () => {
      done = true;
      timers.clearTimeout(timer);
      ssh.off('authentication', onAuth);
      ssh.off('session', onSession);
      ssh.off('error', onError);
      ssh.off('close', onClose);
    };
    const fail = (err: Error) => {
      if (done) return;
      settle();
      reject(err);
    };
    const timer = timers.setTimeout(() => fail(new HandshakeError(`no hello within ${timeoutMs / 1000} s`, 'timeout')), timeoutMs);

    const onAuth = (ctx: AuthContext) => {
      const id = parseConnectionId(ctx.username);
      if (!id || id.mac !== certMac) {
        ctx.reject();
        return fail(new HandshakeError(`SSH user "${ctx.username}" does not match the certificate MAC ${certMac}`, 'mac_mismatch'));
      }
      ctx.accept();
    };
    ssh.on('request', grantForwarding);
    const onSession = (acceptSession: () => Session) => {
      const session = acceptSession();
      const onSubsystem = (accept: () => ServerChannel, rejectSub: () => void, info: { name: string }) => {
        if (info.name !== CONTROL_SUBSYSTEM) return rejectSub();
        session.off('subsystem', onSubsystem);
        const control = accept();
        const decoder = new ControlDecoder<AgentMessage>();
        const onData = (chunk: Buffer) => {
          let msgs: AgentMessage[];
          try {
            msgs = decoder.push(chunk);
          } catch (err) {
            return fail(new HandshakeError(`bad hello: ${(err as Error).message}`));
          }
          if (!msgs.length) return;
          control.off('data', onData);
          control.pause();
          if (!isHello(msgs[0], certMac)) return fail(new HandshakeError('first control message must be a valid hello'));
          if (done) return;
          settle();
          resolve({ hello: msgs[0], control, decoder });
        };
        control.on('data', onData);
      };
      session.on('subsystem', onSubsystem);
    };
    const onError = (err: Error) => fail(new HandshakeError(`SSH error: ${err.message}`));
    const onClose = () => fail(new HandshakeError('connection closed during handshake'));
    ssh.on('authentication', onAuth);
    ssh.on('session', onSession);
    ssh.on('error', onError);
    ssh.on('close', onClose);
  });
}

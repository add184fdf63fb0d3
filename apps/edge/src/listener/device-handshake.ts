import type { Connection, ServerChannel } from 'ssh2';
import {
  AgentMessage,
  CONTROL_SUBSYSTEM,
  ControlDecoder,
  HelloMessage,
  isHello,
  parseConnectionId,
} from '@tether/protocol';
import type { Clock, HandshakeResult as HandshakeMetric } from '@tether/telemetry';

export interface HandshakeResult {
  hello: HelloMessage;
  control: ServerChannel;
}

export class HandshakeError extends Error {
  /** How tether_device_handshakes_total counts it. */
  constructor(
    message: string,
    readonly result: Exclude<HandshakeMetric, 'ok'> = 'refused',
  ) {
    super(message);
  }
}

/**
 * The SSH part of a device's arrival: the user must be `count.<certificate MAC>`, then the agent asks
 * for remote forwarding and sends hello on the control subsystem.
 */
export function deviceHandshake(ssh: Connection, certMac: string, clock: Clock, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(() => fail(new HandshakeError(`no hello within ${timeoutMs / 1000} s`, 'timeout')), timeoutMs);
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      reject(err);
    };

    ssh.on('authentication', (ctx) => {
      const id = parseConnectionId(ctx.username);
      if (!id || id.mac !== certMac) {
        ctx.reject();
        fail(new HandshakeError(`SSH user "${ctx.username}" does not match the certificate MAC ${certMac}`, 'mac_mismatch'));
        return;
      }
      ctx.accept();
    });
    ssh.on('request', (accept, reject, name) => {
      if (name === 'tcpip-forward') accept?.();
      else reject?.();
    });
    ssh.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('subsystem', (accept, rejectSub, info) => {
        if (info.name !== CONTROL_SUBSYSTEM) return rejectSub();
        const control = accept();
        const decoder = new ControlDecoder<AgentMessage>();
        const onData = (chunk: Buffer) => {
          try {
            for (const msg of decoder.push(chunk)) {
              if (!isHello(msg, certMac)) throw new HandshakeError('first control message must be a valid hello');
              // Paused until the session takes over the channel, so nothing after hello is lost.
              control.off('data', onData);
              control.pause();
              if (done) return;
              done = true;
              clock.clearTimeout(timer);
              resolve({ hello: msg, control });
              return;
            }
          } catch (err) {
            fail(err instanceof HandshakeError ? err : new HandshakeError(`bad hello: ${(err as Error).message}`));
          }
        };
        control.on('data', onData);
      });
    });
    ssh.on('error', (err: Error) => fail(new HandshakeError(`SSH error: ${err.message}`)));
    ssh.on('close', () => fail(new HandshakeError('connection closed during handshake')));
  });
}

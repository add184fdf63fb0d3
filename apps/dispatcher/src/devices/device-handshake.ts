import type { Connection, ServerChannel } from 'ssh2';
import { AgentMessage, CONTROL_SUBSYSTEM, ControlDecoder, HelloMessage, Mac, isHello, parseConnectionId } from '@tether/protocol';
import type { Clock } from '@tether/telemetry';

export interface Handshake {
  hello: HelloMessage;
  control: ServerChannel;
  decoder: ControlDecoder<AgentMessage>;
}

/**
 * The SSH part of a factory device's arrival, as on an edge: the SSH user is `count.<certificate MAC>`, the
 * agent asks for remote forwarding (granted, never used: the dispatcher opens no channel to a device) and
 * sends hello on the control subsystem.
 */
export function deviceHandshake(ssh: Connection, certMac: Mac, clock: Clock, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      reject(err);
    };
    const timer = clock.setTimeout(() => fail(new Error(`no hello within ${timeoutMs / 1000} s`)), timeoutMs);
    ssh.on('authentication', (ctx) => {
      const id = parseConnectionId(ctx.username);
      if (!id || id.mac !== certMac) {
        ctx.reject();
        return fail(new Error(`SSH user "${ctx.username}" does not match the certificate MAC ${certMac}`));
      }
      ctx.accept();
    });
    ssh.on('request', (accept, rejectRequest, name) => (name === 'tcpip-forward' ? accept?.() : rejectRequest?.()));
    ssh.on('session', (acceptSession) => {
      acceptSession().on('subsystem', (accept, rejectSub, info) => {
        if (info.name !== CONTROL_SUBSYSTEM) return rejectSub();
        const control = accept();
        const decoder = new ControlDecoder<AgentMessage>();
        const onData = (chunk: Buffer) => {
          let msgs: AgentMessage[];
          try {
            msgs = decoder.push(chunk);
          } catch (err) {
            return fail(new Error(`bad hello: ${(err as Error).message}`));
          }
          if (!msgs.length) return;
          control.off('data', onData);
          if (!isHello(msgs[0], certMac)) return fail(new Error('first control message must be a valid hello'));
          if (done) return;
          done = true;
          clock.clearTimeout(timer);
          resolve({ hello: msgs[0], control, decoder });
        };
        control.on('data', onData);
      });
    });
    ssh.on('error', (err: Error) => fail(new Error(`SSH error: ${err.message}`)));
    ssh.on('close', () => fail(new Error('connection closed during handshake')));
  });
}

/**
 * Why a connection attempt failed, in the words of the O3C status LED table (reference 7.1), so an
 * operator reading the agent's log sees what the device's LED would show.
 */
export type FailureKind = 'unreachable' | 'dns' | 'timeout' | 'refused' | 'reset' | 'not-registered' | 'other';

export const FAILURE_STATUS: Record<FailureKind, { led: string; text: string }> = {
  unreachable: { led: '1 amber/off flash', text: 'host or net unreachable' },
  dns: { led: '2 amber/off flashes', text: 'DNS error' },
  timeout: { led: '3 amber/off flashes', text: 'connection timed out' },
  refused: { led: '1 amber/green flash', text: 'connection refused' },
  reset: { led: '2 amber/green flashes', text: 'connection reset' },
  'not-registered': { led: '4 amber/green flashes', text: 'connected, but the server did not register the device' },
  other: { led: '5 amber/off flashes', text: 'other error' },
};

export class AttemptError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export function classifyFailure(err: Error & { code?: string }): FailureKind {
  if (err instanceof AttemptError) return err.kind;
  switch (err.code) {
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return 'dns';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'other';
  }
}

export function statusLine(mac: string, server: string, err: Error): string {
  const kind = classifyFailure(err);
  const s = FAILURE_STATUS[kind];
  return `${mac} -> ${server}: ${s.text} [${s.led}]: ${err.message}`;
}

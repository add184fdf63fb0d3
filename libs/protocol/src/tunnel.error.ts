/** Why a request through the tunnel failed, and how the proxy answers it (O3C `Request failed.` form). */
export const TUNNEL_ERRORS = {
  'bad-request': 400,
  'not-connected': 404,
  'method-not-allowed': 405,
  'header-too-large': 431,
  'busy': 503,
  /** The device moved to another connection while a request that cannot be sent again was under way. */
  'moved': 503,
  'unreachable': 502,
  'device-error': 502,
  'timeout': 504,
  'internal': 500,
} as const;

export type TunnelErrorCode = keyof typeof TUNNEL_ERRORS;

export class TunnelError extends Error {
  constructor(
    readonly code: TunnelErrorCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'TunnelError';
  }

  get status(): number {
    return TUNNEL_ERRORS[this.code];
  }

  static from(err: unknown): TunnelError {
    if (err instanceof TunnelError) return err;
    return new TunnelError('internal', 'Internal Server Error');
  }
}

export function isTunnelErrorCode(code: string): code is TunnelErrorCode {
  return Object.prototype.hasOwnProperty.call(TUNNEL_ERRORS, code);
}

/** The body O3C Server answers a failed proxy request with. */
export function failureBody(reason: string): string {
  return `Request failed. (Reason: ${reason.replace(/\.$/, '')}.)\n`;
}

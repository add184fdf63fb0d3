/**
 * What the apps report. Labels are small fixed sets (never a device or a request), so a
 * Prometheus implementation stays bounded; the default does nothing.
 */
export type HandshakeResult = 'ok' | 'bad_certificate' | 'mac_mismatch' | 'tls_error' | 'timeout' | 'refused';
export type Direction = 'in' | 'out';

export interface TetherMetrics {
  devicesConnected(delta: number): void;
  deviceHandshake(result: HandshakeResult): void;
  proxyRequest(status: number, seconds: number): void;
  proxyBytes(direction: Direction, bytes: number): void;
}

export const noopMetrics: TetherMetrics = {
  devicesConnected: () => undefined,
  deviceHandshake: () => undefined,
  proxyRequest: () => undefined,
  proxyBytes: () => undefined,
};

import type { HeaderPairs, RequestHead, ResponseHead } from '../tunnel.types';
import { TunnelError, isTunnelErrorCode } from '../tunnel.error';

/** Frames as @grpc/proto-loader hands them over (oneofs: true sets `kind`). */
export interface WireHeader {
  name: string;
  value: string;
}
export interface WireRequestHead extends Omit<RequestHead, 'headers'> {
  headers?: WireHeader[];
}
export interface WireResponseHead {
  status?: number;
  statusMessage?: string;
  headers?: WireHeader[];
}
export type FrameKind = 'request' | 'response' | 'data' | 'end' | 'failure' | 'window' | 'cancel';
export interface Frame {
  id: number;
  kind?: FrameKind;
  request?: WireRequestHead;
  response?: WireResponseHead;
  data?: Buffer;
  end?: boolean;
  failure?: { code?: string; reason?: string };
  window?: number;
  cancel?: boolean;
}
export interface Packet {
  frames?: Frame[];
}

export const toWireHeaders = (h: HeaderPairs): WireHeader[] => h.map(([name, value]) => ({ name, value }));
const fromWireHeaders = (h: WireHeader[] | undefined): HeaderPairs => (h ?? []).map((x) => [x.name, x.value]);

export function requestFrom(w: WireRequestHead): RequestHead {
  return { ...w, headers: fromWireHeaders(w.headers) };
}

export function responseFrom(w: WireResponseHead): ResponseHead {
  return { status: w.status ?? 0, statusMessage: w.statusMessage ?? '', headers: fromWireHeaders(w.headers) };
}

export function failureFrame(id: number, err: unknown): Frame {
  const e = TunnelError.from(err);
  return { id, failure: { code: e.code, reason: e.reason } };
}

export function errorOf(f: Frame): TunnelError {
  const code = f.failure?.code ?? 'internal';
  return new TunnelError(isTunnelErrorCode(code) ? code : 'internal', f.failure?.reason || 'Internal Server Error');
}

/** The kind of a frame, whether or not the decoder filled in `kind`. */
export function kindOf(f: Frame): FrameKind | undefined {
  if (f.kind) return f.kind;
  if (f.request) return 'request';
  if (f.response) return 'response';
  if (f.data) return 'data';
  if (f.end) return 'end';
  if (f.failure) return 'failure';
  if (f.window) return 'window';
  if (f.cancel) return 'cancel';
  return undefined;
}

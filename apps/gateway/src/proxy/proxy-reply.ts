import { STATUS_CODES } from 'node:http';
import { failureBody } from '@tether/protocol';

/** The O3C failure answer, `Request failed. (Reason: <why>.)` as text/plain, as raw HTTP/1.1. */
export function failureResponse(status: number, reason: string, opts: { close?: boolean; extraHeaders?: string } = {}): string {
  const body = failureBody(reason);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${opts.extraHeaders ?? ''}${opts.close ? 'Connection: close\r\n' : ''}\r\n${body}`
  );
}

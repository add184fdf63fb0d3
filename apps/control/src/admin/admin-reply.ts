import type { ServerResponse } from 'node:http';
import { failureBody } from '@tether/protocol';

/** A whole answer with its length (CGIs answer in one piece unless they stream). */
export function reply(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** An error in the O3C form: `Request failed. (Reason: <why>.)` as text/plain. */
export function replyFailure(res: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
  reply(res, status, 'text/plain', failureBody(reason), extra);
}

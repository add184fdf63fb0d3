import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { failureBody } from '@tether/protocol';

/** Answers with the O3C failure body: `Request failed. (Reason: <why>.)` as text/plain. */
export function replyFailure(res: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = failureBody(reason);
  res.writeHead(status, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/** The same answer written straight to a socket, for errors found before a request object exists. */
export function socketFailure(socket: Socket, status: number, reason: string): void {
  const body = failureBody(reason);
  if (socket.writable)
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  socket.destroySoon?.();
}

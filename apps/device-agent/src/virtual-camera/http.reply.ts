import type { ServerResponse } from 'node:http';

/** Every VAPIX answer here is short plain text. */
export function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
  onSent?: () => void,
): void {
  const buf = Buffer.from(body);
  res.writeHead(status, {
    'Content-Type': 'text/plain',
    'Content-Length': String(buf.length),
    'Cache-Control': 'no-cache',
    ...headers,
  });
  res.end(buf, onSent);
}

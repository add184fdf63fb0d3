import type { IncomingMessage } from 'node:http';

/** Form bodies of param.cgi are tiny; the cap keeps a misbehaving client from filling memory. */
export const FORM_BODY_LIMIT = 64 * 1024;

/** The body as text, or null once it grows past `limit` (the rest is left unread). */
export function readTextBody(req: IncomingMessage, limit = FORM_BODY_LIMIT): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

import type { IncomingMessage } from 'node:http';
import { DispatchError } from '../dispatch/dispatch.error';

/** A provider request is small (a CA certificate at most): anything larger is refused unread. */
export const MAX_BODY = 64 * 1024;

/** The request's JSON object body; DispatchError (400/413/415) for anything else. */
export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    if (type !== 'application/json') {
      req.resume();
      return reject(new DispatchError(415, 'Expected a JSON body (Content-Type: application/json)'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) return void chunks.push(c);
      // Not destroyed: the client must still read the 413 (the server closes the connection after it).
      req.off('data', onData);
      req.resume();
      reject(new DispatchError(413, `Request body larger than ${MAX_BODY} bytes`));
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return;
      let v: unknown;
      try {
        v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(new DispatchError(400, 'Request body is not valid JSON'));
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) return reject(new DispatchError(400, 'Request body must be a JSON object'));
      resolve(v as Record<string, unknown>);
    });
  });
}

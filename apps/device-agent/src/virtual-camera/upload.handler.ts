import type { IncomingMessage, ServerResponse } from 'node:http';
import { reply } from './http.reply';

/** POST|PUT /local/tether/upload.cgi: counts the body as it streams by (never held whole). */
export function handleUpload(req: IncomingMessage, res: ServerResponse, onBytes: (n: number) => void): void {
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    onBytes(chunk.length);
  });
  req.once('end', () => reply(res, 200, `received=${received}`));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { reply } from './http.reply';
import type { ParamStore } from './param.store';
import { readTextBody } from './request-body';

/** GET|POST /axis-cgi/param.cgi: action=list[&group=G] and action=update&name=value... */
export async function handleParam(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: ParamStore,
  onServerListChange: (list: string[]) => void,
): Promise<void> {
  const args = new URLSearchParams(url.search);
  if (req.method === 'POST') {
    const body = await readTextBody(req);
    // Connection: close, since the unread rest of the body would otherwise be parsed as a request.
    if (body === null) return reply(res, 413, '# Error: Request body too large\n', { Connection: 'close' });
    for (const [k, v] of new URLSearchParams(body)) args.append(k, v);
  }
  const action = args.get('action');
  if (action === 'list') {
    const groups = args
      .getAll('group')
      .flatMap((g) => g.split(','))
      .map((g) => g.trim())
      .filter((g) => g !== '');
    return reply(res, 200, store.list(groups));
  }
  if (action === 'update') {
    const result = store.update([...args].filter(([k]) => k !== 'action'));
    if (!result.ok) return reply(res, 200, result.errors.join(''));
    // The callback runs once the answer is out, so a throwing or slow callback cannot hang the client.
    return reply(res, 200, 'OK', {}, result.serverListChanged ? () => onServerListChange(store.serverList()) : undefined);
  }
  if (action === null) return reply(res, 400, '# Error: Missing action\n');
  return reply(res, 400, `# Error: Unknown action '${action}'\n`);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { reply, replyFailure } from '../admin/admin-reply';
import { parseClientArg, parseServerArg } from './command-args';
import { AdminCommand, DeviceCommander } from './device-commander.service';

/**
 * The answer to a command the device took: `OK` as text/plain, as the reference's redirect note
 * describes ("an OK message ... indicating that the request was received by the client"). A redirect
 * to a server missing from the device's server list is OK as well: the device stays where it is.
 */
export const COMMAND_OK = 'OK\n';

/** Shared decisions of redirect.cgi, reconnect.cgi and restart.cgi: arguments, then the command. */
export async function handleCommand(
  commander: DeviceCommander,
  command: AdminCommand,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  req.resume();
  const client = parseClientArg(url);
  if (!client.ok) return replyFailure(res, 400, client.reason);
  let server: string | undefined;
  if (command === 'redirect') {
    const s = parseServerArg(url);
    if (!s.ok) return replyFailure(res, 400, s.reason);
    server = s.value;
  }
  const outcome = await commander.send(client.value, command, server);
  if ('reason' in outcome) return replyFailure(res, outcome.status, outcome.reason);
  reply(res, 200, 'text/plain', COMMAND_OK);
}

import { NotifyAnswer, NotifySender } from './notify.sender';
import { Notification } from './notification.types';

export type HelloDecision =
  | { action: 'accept'; forced?: boolean }
  | { action: 'redirect'; server: string }
  | { action: 'retry-later'; reason: string };

export interface ClientHelloOptions {
  urls: readonly string[];
  /** `force_accept_clients`: accept when a receiver is down or does not answer in time (not on a refusal). */
  forceAccept?: boolean;
}

export interface HelloRequest {
  stserverid: string;
  mac: string;
  count: number;
  /** The device's server list (`root.RemoteService.ServerList`, host:port); a redirect elsewhere is not obeyed. */
  deviceServers?: readonly string[];
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/**
 * Asks every receiver at once (HEAD ?action=client_hello) and combines their answers, strictest first:
 * 1. any answer other than 204 or a valid 302 -> retry-later (a receiver refused);
 * 2. else the first 302 in `notify_urls` order -> redirect (retry-later when not in the device's list);
 * 3. else any receiver without an answer -> retry-later, or accept with forceAccept;
 * 4. else (all 204, or no receivers) -> accept.
 */
export async function decideClientHello(sender: NotifySender, opts: ClientHelloOptions, hello: HelloRequest): Promise<HelloDecision> {
  if (opts.urls.length === 0) return { action: 'accept' };
  const n: Notification = { kind: 'client_hello', stserverid: hello.stserverid, mac: hello.mac, count: hello.count };
  const answers = await Promise.all(
    opts.urls.map((url) =>
      sender.send(url, n).then(
        (a): NotifyAnswer | Error => a,
        (e: Error) => e,
      ),
    ),
  );
  let redirect: string | undefined;
  let unreachable: string | undefined;
  for (const [i, a] of answers.entries()) {
    if (a instanceof Error) {
      unreachable ??= a.message;
      continue;
    }
    if (a.status === 204) continue;
    if (a.status === 302 && a.location && HOST_PORT.test(a.location.trim())) {
      redirect ??= a.location.trim();
      continue;
    }
    const why = a.status === 302 ? `302 with Location "${a.location ?? ''}" (not host:port)` : `answered ${a.status}`;
    return { action: 'retry-later', reason: `${opts.urls[i]} ${why}` };
  }
  if (redirect) {
    if (hello.deviceServers && !hello.deviceServers.includes(redirect)) {
      return { action: 'retry-later', reason: `redirect to ${redirect}, which is not in the device's server list` };
    }
    return { action: 'redirect', server: redirect };
  }
  if (unreachable) return opts.forceAccept ? { action: 'accept', forced: true } : { action: 'retry-later', reason: unreachable };
  return { action: 'accept' };
}

import http from 'node:http';
import https from 'node:https';
import { Notification, notificationRequest } from './notification.types';

export interface NotifySenderOptions {
  /** PEM of the CA(s) that HTTPS receivers must chain to (`notification_ca`); default: Node's bundled roots. */
  ca?: string;
  /** Milliseconds for the whole exchange (connect, answer head). */
  timeoutMs?: number;
}

export interface NotifyAnswer {
  status: number;
  /** The `Location` header of a 302, as sent (`host:port`). */
  location?: string;
}

/** No answer from a receiver: refused, reset, TLS failure or timeout. */
export class NotifyUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`notification receiver ${url} did not answer: ${reason}`);
  }
}

/**
 * Sends notifications over HTTP(S) with one keep-alive agent per receiver origin (reused for every
 * notification, as section 6 recommends). HTTPS receivers are verified against `ca` when given.
 */
export class NotifySender {
  private readonly agents = new Map<string, http.Agent>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: NotifySenderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  send(url: string, n: Notification, deliveryId?: string): Promise<NotifyAnswer> {
    const u = new URL(url);
    const req = notificationRequest(u, n, deliveryId);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') return Promise.reject(new Error(`${url}: only http and https receivers`));
    const agent = this.agentFor(u, secure);
    return new Promise<NotifyAnswer>((resolve, reject) => {
      const r = (secure ? https : http).request(
        { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || (secure ? 443 : 80), method: req.method, path: req.path, headers: req.headers, agent },
        (res) => {
          const location = res.headers.location;
          res.resume(); // drain so the socket goes back to the agent
          res.on('end', () => resolve({ status: res.statusCode ?? 0, location }));
          res.on('error', (e) => reject(new NotifyUnreachableError(url, e.message)));
        },
      );
      r.setTimeout(this.timeoutMs, () => r.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      r.on('error', (e) => reject(new NotifyUnreachableError(url, e.message)));
      r.end();
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private agentFor(u: URL, secure: boolean): http.Agent {
    let a = this.agents.get(u.origin);
    if (!a) {
      a = secure
        ? new https.Agent({ keepAlive: true, maxSockets: 16, ca: this.opts.ca, rejectUnauthorized: true })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
      this.agents.set(u.origin, a);
    }
    return a;
  }
}

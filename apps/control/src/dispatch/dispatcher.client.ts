import { readFileSync } from 'node:fs';
import * as https from 'node:https';

export type DispatcherAnswer = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

export interface DispatcherClientOptions {
  /** dispatcher_url: https://host:port */
  url: string;
  /** dispatcher_ca_bundle: PEM file; empty trusts the system roots. */
  caBundle: string;
  timeoutMs: number;
}

const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|SIGNATURE/;

/** Why a request never got an answer, in words a provider can act on. */
function unreachable(err: NodeJS.ErrnoException, url: string): string {
  if (err.code === 'ECONNREFUSED') return `Dispatcher ${url} unreachable: connection refused`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `Dispatcher ${url} unreachable: unknown host`;
  if (err.code && UNTRUSTED.test(err.code)) return `Dispatcher ${url} unreachable: its certificate is not trusted (${err.code}; see dispatcher_ca_bundle)`;
  return `Dispatcher ${url} unreachable: ${err.message}`;
}

/** control -> dispatcher: one JSON POST over HTTPS to the provider API (`/register`, `/unregister`). */
export function callDispatcher(o: DispatcherClientOptions, action: 'register' | 'unregister', body: Record<string, unknown>): Promise<DispatcherAnswer> {
  return new Promise((resolve) => {
    let base: URL;
    try {
      base = new URL(o.url);
    } catch {
      return resolve({ ok: false, reason: `dispatcher_url "${o.url}" is not a URL` });
    }
    if (base.protocol !== 'https:') return resolve({ ok: false, reason: `dispatcher_url "${o.url}" must be https://` });
    let ca: Buffer | undefined;
    try {
      ca = o.caBundle ? readFileSync(o.caBundle) : undefined;
    } catch (err) {
      return resolve({ ok: false, reason: `dispatcher_ca_bundle ${o.caBundle} unreadable: ${(err as Error).message}` });
    }
    const payload = JSON.stringify(body);
    let done = false;
    const finish = (a: DispatcherAnswer) => {
      if (done) return;
      done = true;
      resolve(a);
    };
    const req = https.request(
      new URL(action, base.href.endsWith('/') ? base.href : base.href + '/'),
      {
        method: 'POST',
        ca,
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        timeout: o.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => finish({ ok: false, reason: unreachable(err, o.url) }));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            return finish({ ok: false, reason: `Dispatcher answered ${res.statusCode} without a JSON body` });
          }
          if (res.statusCode === 200) return finish({ ok: true, body: parsed });
          const error = typeof parsed.error === 'string' ? parsed.error : `status ${res.statusCode}`;
          finish({ ok: false, reason: error });
        });
      },
    );
    req.on('timeout', () => {
      finish({ ok: false, reason: `Dispatcher ${o.url} unreachable: no answer within ${o.timeoutMs / 1000} s` });
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: unreachable(err, o.url) }));
    req.end(payload);
  });
}

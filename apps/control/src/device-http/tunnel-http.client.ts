import { DeviceTunnel, StreamSink, TunnelError, TunnelStream } from '@tether/protocol';
import type { Clock } from '@tether/telemetry';

export interface DeviceHttpRequest {
  method: 'GET' | 'HEAD';
  /** Origin form: `/axis-cgi/param.cgi?…`. */
  path: string;
  headers?: Record<string, string>;
}

export interface DeviceHttpAnswer {
  status: number;
  /** Header names in lower case; every value of a repeated header. */
  headers: Map<string, string[]>;
  body: string;
}

/** Control reads small answers only (param.cgi's `OK` or `# Error: …`). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One bodyless HTTP/1.1 request to a device's web server, on a stream of its own through the owning edge
 * (the gateway's path: `DeviceTunnel.open`), `Connection: close`. Resolves with the answer; rejects with a
 * TunnelError (the device is gone, the edge refused, no answer within `timeoutMs`, an answer that is not HTTP).
 */
export function tunnelHttpRequest(o: {
  tunnel: DeviceTunnel;
  mac: string;
  /** Shown by the edge as the stream's origin. */
  srcaddr: string;
  request: DeviceHttpRequest;
  timeoutMs: number;
  clock: Clock;
}): Promise<DeviceHttpAnswer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let done = false;
    let stream: TunnelStream | undefined;
    const finish = (err: TunnelError | null, answer?: DeviceHttpAnswer) => {
      if (done) return;
      done = true;
      o.clock.clearTimeout(timer);
      // Connection: close was asked: the device connection behind the stream is not reused.
      if (stream && err?.code !== 'not-connected') stream.reset();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = o.clock.setTimeout(
      () => finish(new TunnelError('timeout', `Device ${o.mac} did not answer within ${Math.round(o.timeoutMs / 1000)} s`)),
      o.timeoutMs,
    );
    const tryParse = (ended: boolean) => {
      try {
        const answer = parseAnswer(buf, ended, o.request.method === 'HEAD');
        if (answer) finish(null, answer);
        else if (ended) finish(new TunnelError('device-error', `Device ${o.mac} closed the connection before a complete answer`));
      } catch (err) {
        finish(new TunnelError('device-error', `Device ${o.mac} answered with a malformed response: ${(err as Error).message}`));
      }
    };
    const sink: StreamSink = {
      data(chunk) {
        if (done) return;
        stream?.ack(chunk.length, true);
        buf = Buffer.concat([buf, chunk]);
        if (buf.length > MAX_ANSWER_BYTES) return finish(new TunnelError('device-error', `Device ${o.mac} answered with more than ${MAX_ANSWER_BYTES} bytes`));
        tryParse(false);
      },
      end: () => tryParse(true),
      fail: (err) => {
        stream = undefined; // nothing to reset: the edge ended it
        finish(err);
      },
    };
    stream = o.tunnel.open(o.mac, o.srcaddr, sink);
    const headers = { Host: o.mac, ...o.request.headers, Connection: 'close' };
    const head = `${o.request.method} ${o.request.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    if (!done) stream.write(Buffer.from(head, 'latin1'));
  });
}

/** A complete answer from the bytes so far, or null while more are needed. Throws on what is not HTTP/1.x. */
export function parseAnswer(buf: Buffer, ended: boolean, head: boolean): DeviceHttpAnswer | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]);
  if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
  const status = Number(m[1]);
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const rest = buf.subarray(end + 4);
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers, body: '' };
  if (/chunked/i.test(headers.get('transfer-encoding')?.join(',') ?? '')) {
    const body = dechunk(rest);
    return body === null ? null : { status, headers, body: body.toString('utf8') };
  }
  const length = headers.get('content-length')?.[0];
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new Error(`bad Content-Length ${JSON.stringify(length)}`);
    const n = Number(length);
    return rest.length >= n ? { status, headers, body: rest.subarray(0, n).toString('utf8') } : null;
  }
  return ended ? { status, headers, body: rest.toString('utf8') } : null;
}

/** The body of a complete chunked encoding, or null while its last chunk has not arrived. */
function dechunk(buf: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0].trim(), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

import { PassThrough, Readable, Writable, Duplex } from 'node:stream';
import { HeaderPairs, RequestHead, TunnelResponse } from './tunnel.types';
import { TunnelError, isTunnelErrorCode } from './tunnel.error';

/** Frames as @grpc/proto-loader hands them over (oneofs: true sets `kind`). */
export interface WireHeader {
  name: string;
  value: string;
}
export interface WireRequestHead {
  id: string;
  mac: string;
  method: string;
  path: string;
  headers: WireHeader[];
  srcaddr: string;
  url: string;
}
export interface WireResponseHead {
  status: number;
  statusMessage: string;
  headers: WireHeader[];
}
export interface Frame {
  kind?: 'request' | 'response' | 'data' | 'end' | 'failure';
  request?: WireRequestHead;
  response?: WireResponseHead;
  data?: Buffer;
  end?: boolean;
  failure?: { code: string; reason: string };
}

const toWire = (h: HeaderPairs): WireHeader[] => h.map(([name, value]) => ({ name, value }));
const fromWire = (h: WireHeader[] | undefined): HeaderPairs => (h ?? []).map((x) => [x.name, x.value]);

function kindOf(f: Frame): Frame['kind'] {
  if (f.kind) return f.kind;
  if (f.request) return 'request';
  if (f.response) return 'response';
  if (f.data) return 'data';
  if (f.end) return 'end';
  if (f.failure) return 'failure';
  return undefined;
}

function failureOf(f: Frame): TunnelError {
  const code = f.failure?.code ?? 'internal';
  return new TunnelError(isTunnelErrorCode(code) ? code : 'internal', f.failure?.reason || 'Internal Server Error');
}

/** Resolves when `out` can take more, rejects when it closes first. */
export function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new TunnelError('device-error', 'Stream closed'));
    };
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

/** Writes `body` as data frames (waiting for drain, so a slow peer holds the source), then an end frame. */
export async function writeBodyFrames(out: Writable, body: Readable): Promise<void> {
  for await (const chunk of body) {
    if (out.destroyed || out.writableEnded) throw new TunnelError('device-error', 'Stream closed');
    if (!out.write({ data: chunk } satisfies Frame)) await drained(out);
  }
  out.write({ end: true } satisfies Frame);
}

/**
 * Feeds data frames from `source` into a PassThrough that the consumer reads; pauses `source`
 * while the consumer is behind, so nothing is buffered without bound.
 */
function bodyFrom(source: Duplex): { body: PassThrough; onFrame(f: Frame): void; fail(err: Error): void } {
  const body = new PassThrough();
  let finished = false;
  body.on('drain', () => source.resume());
  // The consumer sees failures through its own listeners; a body nobody reads (a request refused
  // before it was forwarded) must not crash the process with an unhandled 'error'.
  body.on('error', () => undefined);
  return {
    body,
    onFrame(f) {
      if (finished) return;
      switch (kindOf(f)) {
        case 'data':
          if (f.data && f.data.length && !body.write(f.data)) source.pause();
          break;
        case 'end':
          finished = true;
          body.end();
          break;
        case 'failure':
          finished = true;
          body.destroy(failureOf(f));
          break;
        default:
          finished = true;
          body.destroy(new TunnelError('internal', 'Unexpected frame'));
      }
    },
    fail(err) {
      if (finished) return;
      finished = true;
      body.destroy(err);
    },
  };
}

/**
 * Client side: sends one request over `call` (a Forward stream) and resolves with the response.
 * `mapError` turns transport errors (e.g. a gRPC status) into a TunnelError.
 */
export function forwardOverStream(
  call: Duplex,
  head: RequestHead,
  reqBody: Readable,
  mapError: (err: Error) => TunnelError,
  /** Ends the call for the far side too (destroying a gRPC client stream alone does not cancel it). */
  cancel: () => void = () => call.destroy(),
): Promise<TunnelResponse> {
  return new Promise((resolve, reject) => {
    let responded = false;
    let res: ReturnType<typeof bodyFrom> | undefined;
    const fail = (err: TunnelError) => {
      if (!responded) {
        responded = true;
        reject(err);
      } else res?.fail(err);
      reqBody.resume();
    };

    call.on('data', (f: Frame) => {
      if (!responded) {
        const k = kindOf(f);
        if (k === 'response' && f.response) {
          responded = true;
          res = bodyFrom(call);
          resolve({
            head: {
              status: f.response.status,
              statusMessage: f.response.statusMessage ?? '',
              headers: fromWire(f.response.headers),
            },
            body: res.body,
          });
        } else fail(k === 'failure' ? failureOf(f) : new TunnelError('internal', 'Unexpected frame'));
        return;
      }
      res?.onFrame(f);
    });
    call.on('error', (err) => fail(mapError(err)));
    call.on('end', () => fail(new TunnelError('device-error', 'Connection to device lost')));

    const wire: WireRequestHead = { ...head, headers: toWire(head.headers) };
    call.write({ request: wire } satisfies Frame);
    writeBodyFrames(call, reqBody).then(
      () => call.end(),
      () => cancel(), // the user went away mid-request: the edge must drop the device request too
    );
  });
}

/**
 * Server side: reads one request from `call`, hands it to `handler`, and streams back the response
 * (or a failure frame). An aborted call aborts the handler's signal.
 */
export function serveStream(
  call: Duplex,
  handler: (head: RequestHead, body: Readable, signal: AbortSignal) => Promise<TunnelResponse>,
): void {
  const abort = new AbortController();
  let req: ReturnType<typeof bodyFrom> | undefined;
  let done = false;
  const finish = () => {
    done = true;
  };
  call.on('close', () => {
    if (!done) abort.abort();
    req?.fail(new TunnelError('device-error', 'Request aborted by the user'));
  });
  call.on('error', () => {
    if (!done) abort.abort();
  });
  call.on('data', (f: Frame) => {
    if (req) return req.onFrame(f);
    if (kindOf(f) !== 'request' || !f.request) {
      call.write({ failure: { code: 'bad-request', reason: 'Request head expected' } } satisfies Frame);
      call.end();
      return;
    }
    req = bodyFrom(call);
    const w = f.request;
    const head: RequestHead = { ...w, headers: fromWire(w.headers) };
    handler(head, req.body, abort.signal).then(
      async (res) => {
        const out: WireResponseHead = { ...res.head, headers: toWire(res.head.headers) };
        call.write({ response: out } satisfies Frame);
        try {
          await writeBodyFrames(call, res.body);
        } catch (err) {
          res.body.destroy();
          const e = err instanceof TunnelError ? err : new TunnelError('device-error', 'Connection to device lost');
          if (!call.destroyed) call.write({ failure: { code: e.code, reason: e.reason } } satisfies Frame);
        }
        finish();
        if (!call.destroyed) call.end();
      },
      (err) => {
        const e = TunnelError.from(err);
        finish();
        if (call.destroyed) return;
        call.write({ failure: { code: e.code, reason: e.reason } } satisfies Frame);
        call.end();
      },
    );
  });
}

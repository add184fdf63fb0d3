import type { Socket } from 'node:net';
import { DeviceTunnel, StreamSink, TunnelError, TunnelStream } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import { BodyFramer, FramingError } from './body.framer';
import type { RequestEntry } from '../requests/request-ledger';
import { closesAfter, deviceRequest, probeRequest } from './device-request';
import { RequestHeadInfo, RequestRefusal, ResponseHeadError, parseRequestHead, parseResponseHead, requestBodyLength } from './http.head';
import type { ProxyContext } from './proxy-context';
import { failureResponse } from './proxy-reply';
import type { RequestPlan } from './request-plan';

export type { ProxyContext } from './proxy-context';

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_RESPONSE_HEAD = 64 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
const NOTHING = Buffer.alloc(0);
/**
 * How long a request follows a device its edge no longer serves (drain, rebalance, a newer connection):
 * the edge refused the stream before anything reached the device, so the request waits for presence to
 * name the device's new connection and goes there.
 */
const FOLLOW_MS = 10_000;
const FOLLOW_POLL_MS = 100;
/** Follows per request at most (a device bouncing between edges does not hold a request forever). */
const MAX_FOLLOWS = 3;
/** Request body bytes kept so that a request can follow its device with them; a larger body cannot follow. */
const FOLLOW_BODY_MAX = 256 * 1024;

/** A parsed request head, resolved (plan) or refused, that may have to wait for the previous device. */
interface Resolved {
  info: RequestHeadInfo | null;
  bodyLength: number;
  plan: RequestPlan | null;
  refusal: RequestRefusal | null;
  /** The ledger entry, from resolution on (queued requests count as ongoing). */
  entry: RequestEntry | null;
}

interface Pending {
  method: string;
  /** The head as sent to the device, kept for one resend on a connection the device closed unused. */
  head: Buffer;
  retryable: boolean;
  retried: boolean;
  /** Times this request followed its device to another connection. */
  follows: number;
  /** The body passed on so far, kept to be sent again if the request follows its device; null once too large. */
  body: Buffer[] | null;
  bodyBytes: number;
  sentAll: boolean;
  responded: boolean;
  closeAfter: boolean;
  started: number;
  /** The user's request (a probe carries its request's entry: a failed probe answers that request). */
  entry: RequestEntry;
  info: RequestHeadInfo;
  plan: RequestPlan;
  /** Internal credentials apply: the head is built at send time with the Authorization they call for. */
  creds: boolean;
  /** The Digest nonce the request was sent with. */
  nonce: string | null;
  /** Already resent once after a 401 with a fresh challenge, or already probed for. */
  authRetried: boolean;
  /** This is a HEAD probe for a challenge; the request to send once it is answered. */
  probeFor: Pending | null;
}

/** One stream to one device; events from a stream the connection has moved on from are ignored. */
class Binding implements StreamSink {
  stream!: TunnelStream;
  /** Bytes written to the user with back-pressure, acknowledged once the socket drains. */
  unacked = 0;
  /** The device will close this connection after the current response. */
  doomed = false;

  constructor(
    private readonly conn: ProxyConnection,
    readonly mac: string,
    readonly edgeId: string,
    /** The presence epoch of the device connection the stream was opened for. */
    readonly epoch: string,
    readonly tunnel: DeviceTunnel,
    /** `count.mac@addr` of the device connection: debug.cgi's `client` filter matches it. */
    readonly client: string,
  ) {}

  data(chunk: Buffer): void {
    this.conn.onDeviceData(this, chunk);
  }

  end(): void {
    this.conn.onDeviceEnd(this);
  }

  fail(err: TunnelError): void {
    this.conn.onDeviceFail(this, err);
  }
  goAway(): void {
    this.conn.onDeviceGoAway(this);
  }
}

/** `auth`: waiting for a device's challenge (a probe's answer, a swallowed 401) before a request goes out. */
type Phase = 'head' | 'resolve' | 'body' | 'route' | 'auth' | 'blocked' | 'tunnel' | 'closed';

/**
 * One user connection to the forward proxy. Request heads are parsed and rewritten here; bodies and
 * responses pass through as bytes, framed (not decoded) so the connection knows where each message
 * ends: requests for one device share one stream, in order (pipelining included); a request for
 * another device waits until the previous device has answered everything, then the stream is
 * released (its device connection goes back to the pool) and a new one opened.
 */
export class ProxyConnection {
  private phase: Phase = 'head';
  private inBuf: Buffer | null = null;
  private reqBody: BodyFramer | null = null;
  private binding: Binding | null = null;
  private readonly inflight: Pending[] = [];
  private respHead: Buffer | null = null;
  private respBody: BodyFramer | null = null;
  private respStatus = 0;
  /** Response heads to pass on changed (start -1: the head began in the carried bytes). */
  private rewrites: Array<{ start: number; end: number; head: Buffer }> = [];
  private streamFull = false;
  private paused = false;
  private closeAfterWrite = false;
  private timer: unknown;
  /** request_timeout as armed (a live key: read per request). */
  private timeoutMs = 0;
  /** A request resolved while answers to another device are still owed. */
  private held: Resolved | null = null;
  /** A request waiting for its route (not in flight yet). */
  private routing: Pending | null = null;
  /** The request that became a tunnel (101): ongoing until the connection ends. */
  private tunnelEntry: RequestEntry | null = null;
  /** The response in progress is the gateway's own business (a probe's, a 401 resent): not passed on. */
  private swallow = false;
  /** Where the swallowed response began in the current chunk (-1: in the carried head). */
  private swallowFrom = 0;
  /** The request to send once the current chunk is handled (after a swallowed response). */
  private authNext: Pending | null = null;
  /** Ledger accounting of the current chunk: offset up to which its bytes are attributed, and bytes to add. */
  private mark = 0;
  private carry = 0;
  private readonly srcaddr: string;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ProxyContext,
  ) {
    this.srcaddr = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('data', (chunk: Buffer) => {
      this.ctx.onBytes('in', chunk.length); // every byte the user sent, heads included
      this.inBuf = this.inBuf ? Buffer.concat([this.inBuf, chunk]) : chunk;
      this.pump();
    });
    socket.on('drain', () => {
      const b = this.binding;
      if (b?.unacked) {
        const n = b.unacked;
        b.unacked = 0;
        b.stream.ack(n);
      }
    });
    // A user that half-closes after its last request still gets the answers it is owed.
    socket.on('end', () => {
      if (!this.bodyCutShort()) this.endIfDone();
    });
    socket.on('close', () => this.cleanup());
    socket.on('error', () => socket.destroy());
    socket.on('timeout', () => {
      if (!this.inflight.length && this.phase !== 'tunnel') socket.destroy();
    });
  }

  /**
   * The user's FIN came before the request body was whole (a client that gave up mid-upload; a reset
   * that reached the gateway as an end): the device would wait for the rest forever, holding one of
   * its request slots, so the request is dropped at both ends. True when it was.
   */
  private bodyCutShort(): boolean {
    if (!this.reqBody || this.phase !== 'body' || this.inBuf !== null || !this.socket.readableEnded) return false;
    const b = this.binding;
    this.ctx.log.notice('request body cut short by the user', { user: b ? `${b.mac}@${this.srcaddr}` : this.srcaddr });
    this.socket.destroy();
    return true;
  }

  /** After the user's FIN: close once nothing it asked for is still owed. */
  private endIfDone(): void {
    if (!this.socket.readableEnded || this.phase === 'closed' || this.phase === 'tunnel') return;
    if (this.inflight.length || this.phase !== 'head' || this.reqBody) return;
    if (this.inBuf && this.inBuf.indexOf(HEAD_END) >= 0) return; // a whole request still to serve
    this.finish();
  }

  // ---- user -> device ------------------------------------------------------------------------

  private pump(): void {
    while (this.inBuf && !this.streamFull) {
      if (this.phase === 'head') {
        if (!this.takeHead()) break;
      } else if (this.phase === 'body') {
        this.takeBody();
      } else if (this.phase === 'tunnel') {
        const buf = this.inBuf;
        this.inBuf = null;
        if (this.binding && !this.binding.stream.write(buf)) this.streamFull = true;
        if (this.tunnelEntry) this.ctx.ledger.received(this.tunnelEntry, buf.length);
      } else break;
    }
    if (this.reqBody && this.bodyCutShort()) return;
    const stalled = this.phase !== 'closed' && (this.streamFull || (this.inBuf !== null && this.phase !== 'head'));
    if (stalled && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!stalled && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private takeBody(): void {
    const buf = this.inBuf as Buffer;
    const framer = this.reqBody as BodyFramer;
    let n: number;
    try {
      n = framer.consume(buf, 0);
    } catch (err) {
      const last = this.inflight[this.inflight.length - 1];
      return this.refuse(new RequestRefusal(400, `Malformed request body (${(err as FramingError).message})`, true), last?.entry ?? null);
    }
    this.inBuf = n === buf.length ? null : buf.subarray(n);
    const last = this.inflight[this.inflight.length - 1];
    if (n) {
      const chunk = n === buf.length ? buf : buf.subarray(0, n);
      if (this.binding && !this.binding.stream.write(chunk)) this.streamFull = true;
      if (last) {
        this.ctx.ledger.received(last.entry, n);
        last.bodyBytes += n;
        if (last.body && last.bodyBytes <= FOLLOW_BODY_MAX) last.body.push(chunk);
        else last.body = null;
      }
    }
    if (framer.done) {
      this.reqBody = null;
      this.phase = 'head';
      if (last) last.sentAll = true;
    }
    this.armTimer(); // request_timeout counts from the last request byte passed on
  }

  /** Parses, resolves and dispatches one request head; false when it must wait (more bytes, a resolution, a route, the device). */
  private takeHead(): boolean {
    let buf = this.inBuf as Buffer;
    while (buf.length >= 2 && buf[0] === 13 && buf[1] === 10) buf = buf.subarray(2);
    const idx = buf.indexOf(HEAD_END);
    if (idx < 0 || idx + 4 > this.ctx.maxHeaderSize) {
      this.inBuf = buf.length ? buf : null;
      if (buf.length > this.ctx.maxHeaderSize) this.refuse(new RequestRefusal(431, 'Request header too large', true), null);
      return false;
    }
    const head = buf.toString('latin1', 0, idx);
    this.inBuf = buf.length > idx + 4 ? buf.subarray(idx + 4) : null;
    const req: Resolved = { info: null, bodyLength: 0, plan: null, refusal: null, entry: null };
    let plan: RequestPlan | Promise<RequestPlan> | undefined;
    try {
      const info = parseRequestHead(head);
      if (info.method === 'CONNECT') throw new RequestRefusal(405, 'Method CONNECT is not supported', true);
      req.bodyLength = requestBodyLength(info);
      req.info = info;
      plan = this.ctx.resolve(info, req.bodyLength);
    } catch (err) {
      req.refusal = this.asRefusal(err, req.bodyLength);
    }
    if (plan && typeof (plan as Promise<RequestPlan>).then === 'function') {
      // Nothing behind this request is read until it is resolved: answers stay in request order.
      this.phase = 'resolve';
      (plan as Promise<RequestPlan>).then(
        (p) => this.resolved(req, p, null),
        (err: unknown) => this.resolved(req, null, err),
      );
      return false;
    }
    if (plan) this.begin(req, plan as RequestPlan);
    return this.dispatch(req);
  }

  private resolved(req: Resolved, plan: RequestPlan | null, err: unknown): void {
    if (this.phase !== 'resolve') return; // closed meanwhile
    if (plan) this.begin(req, plan);
    else req.refusal = this.asRefusal(err, req.bodyLength);
    this.phase = 'head';
    this.dispatch(req);
    this.pump();
  }

  /** The request is resolved: from here it is an ongoing request (status.cgi), until answered or lost. */
  private begin(req: Resolved, plan: RequestPlan): void {
    req.plan = plan;
    const e = this.ctx.ledger.begin(plan.mac, this.srcaddr, plan.url, this.ctx.clock.now());
    req.entry = e;
    if (this.ctx.log.enabled('debug')) this.ctx.log.debug(`Request URL: ${plan.url}`, { user: `${e.id}@${this.srcaddr}` });
  }

  private asRefusal(err: unknown, bodyLength: number): RequestRefusal {
    if (err instanceof RequestRefusal) {
      // A body nobody reads leaves the connection without a known next request.
      return bodyLength !== 0 && !err.close ? new RequestRefusal(err.status, err.reason, true, err.extraHeaders) : err;
    }
    this.ctx.log.error(`request resolution failed: ${(err as Error)?.message ?? String(err)}`, { user: this.srcaddr });
    return new RequestRefusal(502, 'Request resolution failed', bodyLength !== 0);
  }

  /** Sends a resolved request on, or answers its refusal; waits while another device still owes answers. */
  private dispatch(req: Resolved): boolean {
    const b = this.binding;
    const plan = req.plan;
    // Answers go out in request order: anything not for the current device waits for its answers.
    if (this.inflight.length && (!plan || !b || b.mac !== plan.mac || b.doomed)) {
      this.held = req;
      this.phase = 'blocked';
      return false;
    }
    const info = req.info;
    const entry = req.entry;
    if (!plan || !info || !entry) {
      this.refuse(req.refusal as RequestRefusal, null);
      return this.phase !== 'closed';
    }
    const bodyLength = req.bodyLength;
    const creds = plan.credentials !== null && !plan.stripAuth;
    const dr = creds ? null : deviceRequest(info, plan);
    const p: Pending = {
      method: info.method,
      head: dr ? dr.head : NOTHING,
      retryable: bodyLength === 0 && IDEMPOTENT.has(info.method),
      retried: false,
      follows: 0,
      body: [],
      bodyBytes: 0,
      sentAll: bodyLength === 0,
      responded: false,
      closeAfter: dr ? dr.closeAfter : closesAfter(info),
      started: this.ctx.clock.now(),
      entry,
      info,
      plan,
      creds,
      nonce: null,
      authRetried: false,
      probeFor: null,
    };
    this.reqBody = bodyLength === 0 ? null : bodyLength < 0 ? BodyFramer.chunked() : BodyFramer.length(bodyLength);
    if (b && b.mac === plan.mac && !b.doomed) {
      this.send(p);
      return this.phase !== 'auth';
    }
    this.routeThenSend(p);
    return false;
  }

  /** Finds the edge holding the device, then sends; nothing else is read meanwhile. */
  private routeThenSend(p: Pending): void {
    this.phase = 'route';
    this.routing = p;
    const mac = p.plan.mac;
    this.ctx.route(mac).then(
      (rec) => this.routed(mac, rec, p),
      (err: Error) => {
        if (this.phase === 'closed') return;
        this.routing = null;
        this.ctx.log.error(`presence lookup failed: ${err.message}`);
        this.refuse(new RequestRefusal(502, 'Presence store unreachable', this.reqBody !== null), p.entry);
        this.pump();
      },
    );
  }

  /** The previous device has answered everything: the held request goes on. */
  private unblock(): void {
    const req = this.held;
    this.held = null;
    this.phase = 'head';
    if (req) this.dispatch(req);
    this.pump();
  }

  private routed(mac: string, rec: PresenceRecord | null, p: Pending): void {
    if (this.phase === 'closed') return;
    this.routing = null;
    if (!rec) {
      this.refuse(new RequestRefusal(404, `Device ${mac} is not connected`, this.reqBody !== null), p.entry);
      return this.pump();
    }
    this.binding?.stream.release(); // idle: everything it carried has been answered
    this.bind(mac, rec, this.ctx.tunnel(rec.edgeAddress));
    this.send(p);
    this.pump();
  }

  private bind(mac: string, rec: PresenceRecord, tunnel: DeviceTunnel): Binding {
    const b = new Binding(this, mac, rec.edgeId, rec.epoch, tunnel, `${rec.connectionId}@${rec.srcaddr}`);
    b.stream = tunnel.open(mac, this.srcaddr, b);
    b.stream.onDrain = () => {
      if (this.binding !== b || !this.streamFull) return;
      this.streamFull = false;
      this.pump();
    };
    this.binding = b;
    this.streamFull = false;
    return b;
  }

  /**
   * Writes the request head to the bound stream. With internal credentials the Authorization is
   * decided now (the device's challenge may have just arrived); when nothing is known about the
   * device a HEAD probe goes first and the request waits for its answer (phase `auth`).
   */
  private send(p: Pending): void {
    if (p.creds) {
      const plan = p.plan;
      const step = this.ctx.auth.prepare(plan.mac, plan.credentials as { user: string; pass: string }, p.method, plan.path);
      if (step.kind === 'probe' && !p.authRetried) {
        p.authRetried = true; // one probe per request
        return this.sendProbe(p);
      }
      const authorization = step.kind === 'send' ? step.authorization : undefined;
      p.head = deviceRequest(p.info, plan, authorization).head;
      p.nonce = step.kind === 'send' ? step.nonce : null;
    }
    this.inflight.push(p);
    this.phase = this.reqBody ? 'body' : 'head';
    const b = this.binding as Binding;
    if (this.ctx.log.enabled('debug'))
      this.ctx.log.debug(`Sending request to client for user request: ${p.plan.url}`, { user: `${p.entry.id}@${this.srcaddr}`, client: b.client });
    if (!b.stream.write(p.head)) this.streamFull = true;
    if (this.inflight.length === 1) this.armTimer();
  }

  private sendProbe(p: Pending): void {
    const probe: Pending = {
      ...p,
      method: 'HEAD',
      head: probeRequest(p.info, p.plan),
      retryable: true,
      body: [],
      bodyBytes: 0,
      sentAll: true,
      creds: false,
      probeFor: p,
    };
    this.inflight.push(probe);
    this.phase = 'auth';
    if (!(this.binding as Binding).stream.write(probe.head)) this.streamFull = true;
    if (this.inflight.length === 1) this.armTimer();
  }

  /** Answers a request the proxy refuses itself (or could not deliver), in order. */
  private refuse(r: RequestRefusal, entry: RequestEntry | null): void {
    if (this.phase === 'closed') return;
    this.ctx.onResponse(r.status, 0);
    const text = failureResponse(r.status, r.reason, { close: r.close, extraHeaders: r.extraHeaders });
    this.socket.write(text);
    this.answered(entry, text);
    this.reqBody = null;
    this.phase = 'head';
    if (r.close) this.finish();
    else this.endIfDone();
  }

  /** The proxy's own answer went out for `entry`. */
  private answered(entry: RequestEntry | null, text: string): void {
    const n = Buffer.byteLength(text);
    this.ctx.onBytes('out', n);
    if (!entry) return;
    this.ctx.ledger.sent(entry, n);
    this.ctx.ledger.end(entry, true);
  }

  // ---- device -> user ------------------------------------------------------------------------

  onDeviceData(b: Binding, chunk: Buffer): void {
    if (b !== this.binding || this.phase === 'closed') return;
    const carried = this.respHead; // the start of a response head from an earlier chunk, not passed on yet
    let off = 0;
    let hold = chunk.length; // bytes from here on wait for the rest of their head
    let carriedDone = false; // the carried head was completed by this chunk: it goes out first
    this.mark = 0;
    this.carry = 0;
    try {
      while (off < chunk.length && this.phase !== 'tunnel') {
        if (!this.respBody) {
          const after = this.takeResponseHead(b, chunk, off);
          if (after < 0) {
            hold = off;
            break;
          }
          if (carried) carriedDone = true;
          off = after;
          if (this.authNext) break; // the device owes nothing more on this stream until the next request goes out
          continue;
        }
        off += this.respBody.consume(chunk, off);
        if (this.respBody.done) {
          this.respBody = null;
          this.completeResponse(b, off);
          if (this.authNext) break;
        }
      }
    } catch (err) {
      if (!(err instanceof ResponseHeadError || err instanceof FramingError)) throw err;
      const before = this.rewrites.length
        ? this.spliceHeads(chunk, off, carriedDone ? carried : null)
        : carriedDone
          ? Buffer.concat([carried as Buffer, chunk.subarray(0, off)])
          : carried
            ? undefined
            : chunk.subarray(0, off);
      return this.deviceProtocolError(b, before, err.message);
    }
    if (this.authNext) hold = off;
    else if (this.swallow) {
      // The swallowed body goes on in the next chunk: cut what it has of it here.
      if (hold > this.swallowFrom) this.rewrites.push({ start: this.swallowFrom, end: hold, head: NOTHING });
      this.mark = hold;
      this.swallowFrom = 0;
    }
    // A head is passed on only once it is whole: a malformed one can still be answered with a clean 502.
    const taken = (carriedDone ? (carried as Buffer).length : 0) + hold; // what the device sent, for the window
    let out = hold === chunk.length ? chunk : chunk.subarray(0, hold);
    if (this.rewrites.length) out = this.spliceHeads(chunk, hold, carriedDone ? carried : null);
    else if (carriedDone) out = Buffer.concat([carried as Buffer, out]);
    if (out.length) {
      const ok = this.socket.write(out);
      if (this.socket.writableLength === 0) b.stream.ack(taken, true);
      else if (ok) b.stream.ack(taken);
      else b.unacked += taken;
      this.ctx.onBytes('out', out.length);
      const rest = hold - this.mark + this.carry; // the part of the response still under way
      const e = this.inflight.length ? this.inflight[0].entry : this.tunnelEntry;
      if (rest && e) this.ctx.ledger.sent(e, rest);
    } else if (taken) b.stream.ack(taken, true);
    if (this.authNext) {
      const next = this.authNext;
      this.authNext = null;
      return this.resumeAfterAuth(b, next);
    }
    this.afterResponses(b);
  }

  /** The bytes to pass on with the recorded heads replaced. */
  private spliceHeads(chunk: Buffer, hold: number, carried: Buffer | null): Buffer {
    const pieces: Buffer[] = [];
    let cursor = 0;
    if (carried && this.rewrites[0].start >= 0) pieces.push(carried);
    for (const r of this.rewrites) {
      if (r.start >= 0) pieces.push(chunk.subarray(cursor, r.start));
      pieces.push(r.head);
      cursor = r.end;
    }
    pieces.push(chunk.subarray(cursor, hold));
    this.rewrites = [];
    return Buffer.concat(pieces);
  }

  /** Reads a response head starting at `off`; the offset after it, or -1 when it is not complete yet. */
  private takeResponseHead(b: Binding, chunk: Buffer, off: number): number {
    let head: string;
    let after: number;
    const fromCarried = this.respHead !== null;
    if (!this.respHead) {
      const idx = chunk.indexOf(HEAD_END, off);
      if (idx < 0) {
        this.respHead = chunk.subarray(off);
        if (this.respHead.length > MAX_RESPONSE_HEAD) throw new ResponseHeadError('response head too large');
        return -1;
      }
      head = chunk.toString('latin1', off, idx);
      after = idx + 4;
    } else {
      const prev = this.respHead.length;
      const joined = Buffer.concat([this.respHead, chunk.subarray(off)]);
      const idx = joined.indexOf(HEAD_END, Math.max(0, prev - 3));
      if (idx < 0) {
        this.respHead = joined;
        if (joined.length > MAX_RESPONSE_HEAD) throw new ResponseHeadError('response head too large');
        return -1;
      }
      this.respHead = null;
      head = joined.toString('latin1', 0, idx);
      after = off + idx + 4 - prev;
      this.carry += prev; // written with this chunk, on top of its own bytes
    }
    const info = parseResponseHead(head);
    const p = this.inflight[0];
    if (!p) throw new ResponseHeadError('a response nobody asked for');
    if (info.status < 200 && info.status !== 101) {
      this.armTimer(); // interim (100 Continue): the device is there; the final answer still has request_timeout
      return after;
    }
    p.responded = true;
    this.clearTimer();
    if (info.status === 101 && !p.probeFor) {
      this.phase = 'tunnel';
      this.inflight.length = 0;
      this.tunnelEntry = p.entry;
      this.ctx.onResponse(101, (this.ctx.clock.now() - p.started) / 1000);
      return chunk.length;
    }
    this.respStatus = info.status;
    if (info.close) b.doomed = true;
    if (p.probeFor || (info.status === 401 && p.creds)) this.learnChallenge(p, head);
    if (this.swallow) {
      this.swallowFrom = fromCarried ? -1 : off;
      this.carry = 0;
    } else if (p.closeAfter && !info.close) {
      // The user asked to close after this answer: it must say so, whatever the device keeps alive.
      const closing = closingHead(head);
      this.rewrites.push({ start: fromCarried ? -1 : off, end: after, head: closing });
      this.carry += closing.length - (head.length + 4);
    }
    const noBody = p.method === 'HEAD' || info.status === 204 || info.status === 304 || info.status === 101;
    if (!noBody) {
      const framer = info.chunked
        ? BodyFramer.chunked()
        : info.contentLength >= 0
          ? BodyFramer.length(info.contentLength)
          : BodyFramer.untilClose();
      if (framer.kind === 'untilClose') b.doomed = true;
      if (!framer.done) {
        this.respBody = framer;
        return after;
      }
    }
    this.completeResponse(b, after);
    return after;
  }

  /**
   * A probe's answer or a 401 to a request sent with internal credentials: the challenge is cached
   * for the device. A probe's answer is always swallowed; a 401 bringing a challenge the request did
   * not answer (a stale or rotated nonce) is swallowed and the request resent once, when it is
   * bodyless, idempotent, alone in flight and nothing else is being read from the user.
   */
  private learnChallenge(p: Pending, head: string): void {
    const ch = this.ctx.auth.learn(p.plan.mac, wwwAuthenticate(head), p.probeFor !== null);
    if (p.probeFor) {
      this.swallow = true;
      return;
    }
    if (p.authRetried || !p.retryable || this.inflight.length !== 1 || this.phase !== 'head') return;
    if (!this.ctx.auth.worthRetry(ch, p.nonce)) return;
    p.authRetried = true;
    this.swallow = true;
    this.phase = 'auth'; // nothing more is read from the user until the resend went out
    if (this.ctx.log.enabled('debug'))
      this.ctx.log.debug(`Digest challenge of ${p.plan.mac} renewed (${ch.digest?.stale ? 'stale' : 'new'} nonce): request resent`, {
        user: `${p.entry.id}@${this.srcaddr}`,
      });
  }

  /** A response is complete; `upto`: where it ended in the current chunk (-1: at the device's close). */
  private completeResponse(b: Binding, upto: number): void {
    const p = this.inflight[0];
    if (!p) return;
    if (this.swallow) {
      this.swallow = false;
      if (upto >= 0) {
        if (upto > this.swallowFrom || this.swallowFrom < 0) this.rewrites.push({ start: this.swallowFrom, end: upto, head: NOTHING });
        this.mark = upto;
        this.carry = 0;
      }
      if (p.probeFor) this.inflight.shift();
      else p.responded = false; // resent with the new challenge
      this.clearTimer();
      this.authNext = p.probeFor ?? p;
      return;
    }
    this.inflight.shift();
    this.ctx.onResponse(this.respStatus, (this.ctx.clock.now() - p.started) / 1000);
    if (upto >= 0) {
      this.ctx.ledger.sent(p.entry, upto - this.mark + this.carry);
      this.mark = upto;
      this.carry = 0;
    }
    this.ctx.ledger.end(p.entry, true);
    if (p.closeAfter) this.closeAfterWrite = true;
    if (b.doomed && !this.inflight.length) this.dropBinding(b, 'reset');
    this.armTimer();
  }

  /** The device's challenge is in: the request (or its resend) goes out, on a new stream if the device closed this one. */
  private resumeAfterAuth(b: Binding, p: Pending): void {
    if (this.phase === 'closed') return;
    if (this.inflight[0] === p) this.inflight.shift();
    if (this.binding === b && !b.doomed) {
      this.send(p);
      return this.pump();
    }
    if (this.binding === b) this.dropBinding(b, 'reset');
    this.routeThenSend(p);
  }

  /** What a completed response leads to, once its bytes are written. */
  private afterResponses(b: Binding): void {
    if (this.closeAfterWrite && !this.respBody && !this.respHead) {
      this.closeAfterWrite = false;
      if (this.binding === b && !this.inflight.length) this.dropBinding(b, 'release');
      return this.finish();
    }
    if (this.phase === 'blocked' && !this.inflight.length) this.unblock();
    this.endIfDone();
  }

  onDeviceEnd(b: Binding): void {
    if (b !== this.binding || this.phase === 'closed') return;
    this.binding = null;
    if (this.phase === 'tunnel') return this.finish();
    if (this.respBody?.kind === 'untilClose') {
      this.respBody = null;
      this.completeResponse(b, -1);
      const next = this.authNext;
      this.authNext = null;
      if (next) return this.resumeAfterAuth(b, next); // a swallowed answer ended by the close
      return this.finish(); // the user learns where the body ended the same way: by the close
    }
    if (this.respBody || this.respHead) return this.cutShort(b, 'Device closed the connection mid-response');
    if (this.inflight.length) this.retryOrFail(b, new TunnelError('device-error', 'Device closed the connection'));
  }

  /**
   * The device is leaving that edge (drain, moved): its old connection closes once no stream holds it.
   * An idle stream is given back now; a busy one after its answers (doomed); the next request is routed
   * afresh, to wherever presence says the device is by then. An upgraded connection stays to the end.
   */
  onDeviceGoAway(b: Binding): void {
    if (b !== this.binding || this.phase === 'closed' || this.phase === 'tunnel') return;
    b.doomed = true;
    const idle = !this.inflight.length && !this.respBody && !this.respHead && !this.reqBody && this.phase === 'head';
    if (idle) this.dropBinding(b, 'release');
  }

  onDeviceFail(b: Binding, err: TunnelError): void {
    if (b !== this.binding || this.phase === 'closed') return;
    this.binding = null;
    if (this.phase === 'tunnel' || this.respBody || this.respHead || this.inflight[0]?.responded) return this.cutShort(b, err.reason);
    if (!this.inflight.length) return;
    if (err.code === 'device-error') this.retryOrFail(b, err);
    else if (err.code === 'not-connected' && this.canFollow()) this.follow(b, err);
    else if (err.code === 'not-connected') this.failMoved(b, err);
    else this.failRequests(err);
  }

  /**
   * Refused as not connected, but the requests cannot follow the device (a body past FOLLOW_BODY_MAX already
   * passed on, a pending authentication probe, MAX_FOLLOWS): a device that presence names on another
   * connection moved under the request, which the user may send again (503); otherwise it is gone (404).
   */
  private failMoved(b: Binding, err: TunnelError): void {
    const first = this.inflight[0];
    this.clearTimer();
    this.streamFull = true; // nothing more is read from the user until the answer is known
    this.ctx.route(b.mac).then(
      (rec) => {
        if (this.movedOn(first)) return;
        const moved = rec && rec.epoch !== b.epoch;
        this.failPaused(moved ? new TunnelError('moved', `Device ${b.mac} moved to another server while the request was under way`) : err);
      },
      () => {
        if (!this.movedOn(first)) this.failPaused(err);
      },
    );
  }

  /** While a lookup was under way, the connection closed, got a stream again, or no longer waits on `first`. */
  private movedOn(first: Pending | undefined): boolean {
    return this.phase === 'closed' || this.binding !== null || this.inflight[0] !== first;
  }

  /** Fails the requests that waited with the user's socket paused (streamFull), reading from it again. */
  private failPaused(err: TunnelError): void {
    this.streamFull = false;
    this.failRequests(err);
  }

  /** Every request in flight can be sent again whole: its head, and the body passed on so far (kept up to FOLLOW_BODY_MAX). */
  private canFollow(): boolean {
    if (this.phase === 'auth' || this.authNext) return false;
    return this.inflight.every((p) => p.body !== null && p.head.length > 0 && p.follows < MAX_FOLLOWS);
  }

  /**
   * The edge refused the stream as "device not here" (it left, or is leaving, that edge): nothing reached
   * the device, so the requests wait until presence names another connection of it and are sent there,
   * each with the body passed on so far; a body still arriving waits (the user socket is paused) and goes on
   * to the new connection. Without one within FOLLOW_MS, or when presence says the device is offline, they fail.
   */
  private follow(b: Binding, err: TunnelError): void {
    for (const p of this.inflight) p.follows++;
    this.clearTimer();
    this.streamFull = true; // nothing more is read from the user (a body's rest, the next request) until there is a stream again
    const first = this.inflight[0];
    const clock = this.ctx.clock;
    const until = clock.now() + FOLLOW_MS;
    const attempt = () => {
      if (this.movedOn(first)) return;
      this.ctx.route(b.mac).then(
        (rec) => {
          if (this.movedOn(first)) return;
          if (!rec) return this.failPaused(err); // offline (a draining edge keeps the claims of devices on the move)
          if (rec.epoch !== b.epoch) {
            const nb = this.bind(b.mac, rec, this.ctx.tunnel(rec.edgeAddress));
            for (const p of this.inflight) for (const part of [p.head, ...(p.body ?? [])]) if (!nb.stream.write(part)) this.streamFull = true;
            this.armTimer();
            return this.pump();
          }
          if (clock.now() >= until) return this.failPaused(err);
          clock.setTimeout(attempt, FOLLOW_POLL_MS);
        },
        () => {
          if (!this.movedOn(first)) this.failPaused(err);
        },
      );
    };
    attempt();
  }

  /**
   * The device connection closed before answering: the device's web server closed a kept-alive
   * connection just as it was reused, or the device itself went away (it may be back on another edge
   * already). Requests without a body that can safely repeat are sent once more, on a new stream to
   * wherever presence says the device is now; anything else fails.
   */
  private retryOrFail(b: Binding, err: TunnelError): void {
    if (this.phase === 'body' || !this.inflight.every((p) => p.retryable && !p.retried)) return this.failRequests(err);
    for (const p of this.inflight) p.retried = true;
    this.clearTimer();
    const first = this.inflight[0];
    this.ctx.route(b.mac).then(
      (rec) => {
        if (this.movedOn(first)) return;
        if (!rec) return this.failRequests(new TunnelError('not-connected', `Device ${b.mac} is not connected`));
        const nb = this.bind(b.mac, rec, this.ctx.tunnel(rec.edgeAddress));
        for (const p of this.inflight) if (!nb.stream.write(p.head)) this.streamFull = true;
        this.armTimer();
      },
      () => {
        if (!this.movedOn(first)) this.failRequests(err);
      },
    );
  }

  /** The oldest request gets the failure; requests pipelined behind it are lost with the connection. */
  private failRequests(err: TunnelError): void {
    const p = this.inflight.shift();
    this.clearTimer();
    // A request waiting for its probe's answer keeps its body unread: the connection cannot go on.
    const close = this.inflight.length > 0 || this.phase === 'body' || (this.phase === 'auth' && this.reqBody !== null);
    for (const q of this.inflight) this.ctx.ledger.end(q.entry, false);
    this.inflight.length = 0;
    this.swallow = false;
    if (p?.closeAfter) this.closeAfterWrite = true;
    this.ctx.onResponse(err.status, p ? (this.ctx.clock.now() - p.started) / 1000 : 0);
    // A moved device is already reachable again: the user may send the request again at once.
    const extraHeaders = err.code === 'moved' ? 'Retry-After: 0\r\n' : undefined;
    const text = failureResponse(err.status, err.reason, { close: close || this.closeAfterWrite, extraHeaders });
    this.socket.write(text);
    this.answered(p?.entry ?? null, text);
    if (close || this.closeAfterWrite) return this.finish();
    if (this.phase === 'auth') {
      this.reqBody = null;
      this.phase = 'head';
    }
    if (this.phase === 'blocked') this.unblock();
    else this.pump();
    this.endIfDone();
  }

  private cutShort(b: Binding, reason: string): void {
    this.ctx.log.notice(`response cut short: ${reason}`, { user: `${b.mac}@${this.srcaddr}` });
    this.socket.destroy();
  }

  /** The device sent something that is not HTTP/1.x: its connection is dropped, the user hears a clean 502. */
  private deviceProtocolError(b: Binding, before: Buffer | undefined, why: string): void {
    this.ctx.log.warn(`device ${b.mac} sent a malformed response (${why})`, { user: this.srcaddr });
    const midBody = this.respBody !== null || !!this.inflight[0]?.responded;
    this.respHead = null;
    this.respBody = null;
    this.rewrites = [];
    this.swallow = false;
    this.authNext = null;
    this.dropBinding(b, 'reset');
    if (before?.length) {
      this.socket.write(before); // what came before the bad part: whole answers, or the start of this one
      this.ctx.onBytes('out', before.length);
    }
    if (midBody) return void this.socket.destroy();
    if (!this.inflight.length) return this.afterResponses(b); // it spoke unasked on an idle connection
    this.failRequests(new TunnelError('device-error', 'Device sent a malformed response'));
  }

  // ---- timers and teardown -------------------------------------------------------------------

  private armTimer(): void {
    this.clearTimer();
    const p = this.inflight[0];
    if (!p || p.responded) return;
    this.timeoutMs = this.ctx.requestTimeoutMs();
    this.timer = this.ctx.clock.setTimeout(() => this.onTimeout(p), this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The device has not answered within request_timeout. A ping tells a slow device (the edge
   * answers at once) from a frozen or partitioned edge (it does not): the user hears which.
   */
  private onTimeout(p: Pending): void {
    this.timer = undefined;
    const b = this.binding;
    if (!b) return;
    const clock = this.ctx.clock;
    const seconds = this.timeoutMs / 1000;
    let t: unknown;
    const silent = new Promise<boolean>((resolve) => (t = clock.setTimeout(() => resolve(false), this.ctx.edgeGraceMs)));
    void Promise.race([b.tunnel.ping().then(() => true, () => false), silent]).then((alive) => {
      clock.clearTimeout(t);
      if (this.binding !== b || this.inflight[0] !== p || p.responded || this.phase === 'closed') return;
      this.dropBinding(b, 'reset');
      const reason = alive
        ? `Device ${b.mac} did not answer within ${seconds} s`
        : `Edge ${b.edgeId} did not answer within ${seconds + this.ctx.edgeGraceMs / 1000} s`;
      if (!alive) this.ctx.log.warn(reason, { user: `${b.mac}@${this.srcaddr}` });
      this.failRequests(new TunnelError('timeout', reason));
    });
  }

  private dropBinding(b: Binding, how: 'release' | 'reset'): void {
    if (this.binding !== b) return;
    this.binding = null;
    this.streamFull = false;
    if (how === 'release') b.stream.release();
    else b.stream.reset();
  }

  private finish(): void {
    if (this.phase === 'closed') return;
    this.socket.end();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.clearTimer();
    const b = this.binding;
    if (b) this.dropBinding(b, this.inflight.length || this.respBody || this.respHead ? 'reset' : 'release');
    this.inBuf = null;
    // Whatever was still owed is over: the ledger keeps nothing of a closed connection.
    const ledger = this.ctx.ledger;
    for (const p of this.inflight) ledger.end(p.entry, false);
    if (this.held?.entry) ledger.end(this.held.entry, false);
    if (this.routing) ledger.end(this.routing.entry, false);
    if (this.tunnelEntry) ledger.end(this.tunnelEntry, true);
    this.held = null;
    this.routing = null;
    this.tunnelEntry = null;
  }
}

/** A response head with `Connection: close` instead of whatever it said about the connection. */
function closingHead(head: string): Buffer {
  const lines = head.split('\r\n').filter((l, i) => i === 0 || !/^(connection|keep-alive)\s*:/i.test(l));
  lines.push('Connection: close');
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** The values of every `WWW-Authenticate` line of a response head. */
function wwwAuthenticate(head: string): string[] {
  const out: string[] = [];
  for (const line of head.split('\r\n')) if (/^www-authenticate\s*:/i.test(line)) out.push(line.slice(line.indexOf(':') + 1).trim());
  return out;
}

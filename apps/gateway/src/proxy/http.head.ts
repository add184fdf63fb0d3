/** A problem with what the user sent, answered in the O3C form. */
export class RequestRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** The connection cannot be trusted to find the next request: answer, then close. */
    readonly close: boolean,
    readonly extraHeaders = '',
  ) {
    super(reason);
  }
}

export interface RequestHeadInfo {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 */
  minor: number;
  /** Raw header lines `Name: value`, in order. */
  lines: string[];
  names: string[];
  values: string[];
}

export interface ResponseHeadInfo {
  status: number;
  chunked: boolean;
  /** -1 when absent */
  contentLength: number;
  /** The device will close the connection after this response. */
  close: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/;
const FORBIDDEN = /[\r\n\0]/;
const malformed = () => new RequestRefusal(400, 'Malformed request', true);

/** Parses a request head (without its final blank line), as latin1 text. */
export function parseRequestHead(head: string): RequestHeadInfo {
  const lines = head.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]);
  if (!m || FORBIDDEN.test(lines[0])) throw malformed();
  const names: string[] = [];
  const values: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed();
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformed(); // also refuses obsolete line folding
    const value = line.slice(colon + 1).trim();
    if (FORBIDDEN.test(value)) throw malformed(); // a bare CR or LF would split the head the device sees
    names.push(name.toLowerCase());
    values.push(value);
  }
  lines.shift();
  return { method: m[1], target: m[2], minor: Number(m[3]), lines, names, values };
}

/** Comma-separated tokens of every header called `name`, lower case. */
export function headerTokens(info: { names: string[]; values: string[] }, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < info.names.length; i++)
    if (info.names[i] === name) for (const t of info.values[i].split(',')) if (t.trim()) out.push(t.trim().toLowerCase());
  return out;
}

/** How the request body is framed: its length, or -1 for chunked. */
export function requestBodyLength(info: RequestHeadInfo): number {
  const te = headerTokens(info, 'transfer-encoding');
  let cl: string | undefined;
  for (let i = 0; i < info.names.length; i++) {
    if (info.names[i] !== 'content-length') continue;
    if (cl !== undefined && cl !== info.values[i]) throw malformed();
    cl = info.values[i];
  }
  if (te.length) {
    // Both, or a coding other than chunked last: the end of the body cannot be found safely.
    if (cl !== undefined || te[te.length - 1] !== 'chunked') throw malformed();
    return -1;
  }
  if (cl === undefined) return 0;
  if (!/^\d{1,15}$/.test(cl)) throw malformed();
  return Number(cl);
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

export class ResponseHeadError extends Error {}

/** Parses a response head (without its final blank line) for what framing needs. */
export function parseResponseHead(head: string): ResponseHeadInfo {
  const eol = head.indexOf('\r\n');
  const m = STATUS_LINE.exec(eol < 0 ? head : head.slice(0, eol));
  if (!m) throw new ResponseHeadError('malformed status line');
  const minor = Number(m[1]);
  let chunked = false;
  let contentLength = -1;
  let close = minor === 0;
  let pos = eol < 0 ? head.length : eol + 2;
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos);
    if (next < 0) next = head.length;
    const colon = head.indexOf(':', pos);
    if (colon > pos && colon < next) {
      const len = colon - pos;
      // Only three headers matter; compare lengths first to skip the rest cheaply.
      if (len === 14 || len === 17 || len === 10) {
        const name = head.slice(pos, colon).toLowerCase();
        const value = head.slice(colon + 1, next).trim().toLowerCase();
        if (name === 'content-length') {
          if (!/^\d{1,15}$/.test(value) || (contentLength >= 0 && contentLength !== Number(value)))
            throw new ResponseHeadError('invalid Content-Length');
          contentLength = Number(value);
        } else if (name === 'transfer-encoding') chunked = value.split(',').pop()?.trim() === 'chunked';
        else if (name === 'connection') {
          const tokens = value.split(',').map((t) => t.trim());
          if (tokens.includes('close')) close = true;
          else if (minor === 0 && tokens.includes('keep-alive')) close = false;
        }
      }
    }
    pos = next + 2;
  }
  return { status: Number(m[2]), chunked, contentLength, close };
}

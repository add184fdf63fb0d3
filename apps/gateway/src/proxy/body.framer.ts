export class FramingError extends Error {}

const enum Chunk {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
}

const MAX_SIZE_DIGITS = 12;

/**
 * Finds where an HTTP/1.1 message body ends in a byte stream, without decoding it: the bytes pass on
 * as they came (chunked stays chunked), the framer only counts. `length` for Content-Length,
 * `chunked` for Transfer-Encoding: chunked, `untilClose` for a response delimited by the connection's
 * end.
 */
export class BodyFramer {
  done = false;
  private remaining = 0;
  private state = Chunk.Size;
  private size = 0;
  private digits = 0;
  private lineLen = 0;

  private constructor(readonly kind: 'length' | 'chunked' | 'untilClose') {}

  static length(n: number): BodyFramer {
    const f = new BodyFramer('length');
    f.remaining = n;
    f.done = n === 0;
    return f;
  }

  static chunked(): BodyFramer {
    return new BodyFramer('chunked');
  }

  static untilClose(): BodyFramer {
    return new BodyFramer('untilClose');
  }

  /** How many bytes of `buf` from `off` belong to this body; `done` once it ended. */
  consume(buf: Buffer, off: number): number {
    const avail = buf.length - off;
    if (this.done || avail <= 0) return 0;
    if (this.kind === 'untilClose') return avail;
    if (this.kind === 'length') {
      const n = Math.min(avail, this.remaining);
      this.remaining -= n;
      if (this.remaining === 0) this.done = true;
      return n;
    }
    return this.chunked(buf, off);
  }

  private chunked(buf: Buffer, start: number): number {
    let i = start;
    const end = buf.length;
    while (i < end && !this.done) {
      switch (this.state) {
        case Chunk.Data: {
          const n = Math.min(end - i, this.remaining);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.Size: {
          const c = buf[i++];
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new FramingError('chunk size too large');
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) throw new FramingError('missing chunk size');
          else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) this.state = Chunk.Ext;
          else if (c === 0x0d) this.state = Chunk.SizeLf;
          else if (c === 0x0a) this.sizeDone();
          else throw new FramingError('invalid chunk size');
          break;
        }
        case Chunk.Ext: {
          const lf = buf.indexOf(0x0a, i);
          if (lf < 0 || lf >= end) {
            i = end;
          } else {
            i = lf + 1;
            this.sizeDone();
          }
          break;
        }
        case Chunk.SizeLf:
          if (buf[i++] !== 0x0a) throw new FramingError('invalid chunk size line');
          this.sizeDone();
          break;
        case Chunk.DataCr:
          if (buf[i++] !== 0x0d) throw new FramingError('chunk data longer than its size');
          this.state = Chunk.DataLf;
          break;
        case Chunk.DataLf:
          if (buf[i++] !== 0x0a) throw new FramingError('chunk data longer than its size');
          this.resetSize();
          break;
        case Chunk.Trailer: {
          const c = buf[i++];
          if (c === 0x0a) {
            if (this.lineLen === 0) this.done = true;
            this.lineLen = 0;
          } else if (c !== 0x0d) this.lineLen++;
          break;
        }
      }
    }
    return i - start;
  }

  private sizeDone(): void {
    if (this.size === 0) {
      this.state = Chunk.Trailer;
      this.lineLen = 0;
    } else {
      this.remaining = this.size;
      this.state = Chunk.Data;
    }
  }

  private resetSize(): void {
    this.state = Chunk.Size;
    this.size = 0;
    this.digits = 0;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

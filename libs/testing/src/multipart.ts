export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Incremental parser of a `multipart/x-mixed-replace` body whose parts carry Content-Length (the
 * MJPEG layout of Axis cameras): `--boundary CRLF headers CRLF CRLF <Content-Length bytes> CRLF`.
 * Only complete parts are kept; a part cut off at the end of the data stays buffered. A part whose
 * Content-Length does not end right before a CRLF throws.
 */
export class MultipartReader {
  private buf: Buffer = Buffer.alloc(0);
  readonly parts: MultipartPart[] = [];

  constructor(private readonly boundary: string) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const start = this.buf.indexOf(`--${this.boundary}\r\n`);
      if (start < 0) return;
      const headEnd = this.buf.indexOf('\r\n\r\n', start);
      if (headEnd < 0) return;
      const headers: Record<string, string> = {};
      const lines = this.buf.subarray(start, headEnd).toString('latin1').split('\r\n').slice(1);
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers['content-length']);
      if (!Number.isInteger(length) || length < 0) throw new Error(`part without a valid Content-Length: ${lines.join(' | ')}`);
      const bodyStart = headEnd + 4;
      // The CRLF after the body proves Content-Length was exact (not too short, not too long).
      if (this.buf.length < bodyStart + length + 2) return;
      if (this.buf[bodyStart + length] !== 0x0d || this.buf[bodyStart + length + 1] !== 0x0a)
        throw new Error(`part ${this.parts.length}: no CRLF after Content-Length ${length} bytes`);
      this.parts.push({ headers, body: Buffer.from(this.buf.subarray(bodyStart, bodyStart + length)) });
      this.buf = this.buf.subarray(bodyStart + length + 2);
    }
  }
}

/** `boundary=` of a Content-Type header, quoted or not. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  return /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
}

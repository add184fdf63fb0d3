/** Test-only helpers for the specs: a camera on 127.0.0.1:0 and an HTTP client doing Basic and Digest. */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { createVirtualCamera, type VirtualCamera, type VirtualCameraOptions } from './index';

export const MAC = '00408c123456';
export const PASSWORD = 'pass';
export const REALM = 'AXIS_00408C123456';

export interface Running {
  camera: VirtualCamera;
  port: number;
  /** Closes the camera and waits until its listener is gone. */
  stop(): Promise<void>;
}

export async function startCamera(o: Partial<VirtualCameraOptions> = {}): Promise<Running> {
  const camera = createVirtualCamera({ mac: MAC, password: PASSWORD, serverList: ['o3c.example.com:8443'], ...o });
  camera.server.listen(0, '127.0.0.1');
  await once(camera.server, 'listening');
  const port = (camera.server.address() as AddressInfo).port;
  return {
    camera,
    port,
    async stop() {
      const closed = once(camera.server, 'close');
      camera.close();
      await closed;
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Name/value pairs as sent, since node folds repeated headers in `headers`. */
  rawHeaders: string[];
  body: string;
  reusedSocket: boolean;
}

export interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false (default) opens a fresh connection per request. */
  agent?: http.Agent | false;
  createConnection?: () => Duplex;
}

export function request(port: number, r: Req): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: r.method ?? 'GET',
        path: r.path,
        headers: r.headers,
        agent: r.agent ?? false,
        createConnection: r.createConnection,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString(),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const basicAuth = (password = PASSWORD) => ({ Authorization: basic('root', password) });

/** The `WWW-Authenticate` header lines of a 401, one per challenge. */
export function challenges(res: Reply): string[] {
  return res.rawHeaders.filter((_v, i) => i % 2 === 1 && /^www-authenticate$/i.test(res.rawHeaders[i - 1]));
}

/** Client side of RFC 7616 (MD5, qop=auth), written independently of the camera's code. */
export function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    out[m[1]] = m[2] ?? m[3];
  }
  return out;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface DigestInput {
  challenge: Record<string, string>;
  method: string;
  uri: string;
  nc?: number;
  user?: string;
  password?: string;
  cnonce?: string;
}

export function digestFields(d: DigestInput): Record<string, string> {
  const user = d.user ?? 'root';
  const nc = (d.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = d.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = md5(`${user}:${d.challenge.realm}:${d.password ?? PASSWORD}`);
  const ha2 = md5(`${d.method}:${d.uri}`);
  const response = md5(`${ha1}:${d.challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const { realm, nonce } = d.challenge;
  return { username: user, realm, nonce, uri: d.uri, algorithm: 'MD5', response, qop: 'auth', nc, cnonce };
}

export function digestHeader(f: Record<string, string>): string {
  const bare = new Set(['algorithm', 'qop', 'nc']);
  return 'Digest ' + Object.entries(f).map(([k, v]) => (bare.has(k) ? `${k}=${v}` : `${k}="${v}"`)).join(', ');
}

/** Asks once without credentials and returns the parsed Digest challenge. */
export async function fetchChallenge(port: number, path = '/axis-cgi/serverreport.cgi'): Promise<Record<string, string>> {
  const res = await request(port, { path });
  const digest = challenges(res).find((c) => /^Digest /i.test(c));
  if (!digest) throw new Error(`no Digest challenge in ${res.status}`);
  return parseChallenge(digest);
}

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** Complete parts of a multipart/x-mixed-replace body; an incomplete tail is ignored. */
export function parseMultipart(buf: Buffer, boundary: string): Part[] {
  const parts: Part[] = [];
  const marker = Buffer.from(`--${boundary}\r\n`);
  let at = buf.indexOf(marker);
  while (at >= 0) {
    const headEnd = buf.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(at + marker.length, headEnd).toString().split('\r\n')) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = headEnd + 4;
    const end = start + Number(headers['content-length']);
    if (end + 2 > buf.length) break;
    if (buf.subarray(end, end + 2).toString() !== '\r\n') throw new Error('part not followed by CRLF');
    parts.push({ headers, body: buf.subarray(start, end) });
    at = buf.indexOf(marker, end);
  }
  return parts;
}

/** Two connected in-memory streams, like a tunnel channel (no socket methods such as setTimeout). */
export function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  // Destroying one end ends the other, as closing a tunnel channel would.
  a.once('close', () => b.destroy());
  b.once('close', () => a.destroy());
  return [a, b];
}

/** `count` of each active resource type keeping the loop alive (e.g. 'Timeout'). */
export function activeResources(type: string): number {
  return process.getActiveResourcesInfo().filter((t) => t === type).length;
}

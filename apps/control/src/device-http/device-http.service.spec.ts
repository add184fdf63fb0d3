import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigHolder, parseConfig } from '@tether/config';
import { DeviceTunnel, digestResponse, parseChallenges } from '@tether/protocol';
import type { PresenceRecord } from '@tether/presence';
import { systemClock } from '@tether/telemetry';
import type { ControlDeps } from '../control.deps';
import { DeviceHttp } from './device-http.service';

const RECORD = { mac: '00408c000001', edgeAddress: 'edge:1' } as PresenceRecord;
const PATH = '/axis-cgi/param.cgi?action=update&root.RemoteService.ServerList=a%3A1';

/** A device that wants `scheme` (Digest answered with user root, password pass) and records what it got. */
function device(scheme: 'digest' | 'basic' | 'none') {
  const seen: Array<string | undefined> = [];
  const tunnel: DeviceTunnel = {
    open(_mac, _src, sink) {
      return {
        write(chunk) {
          const head = chunk.toString('latin1');
          const auth = /\r\nAuthorization: ([^\r]*)/.exec(head)?.[1];
          seen.push(auth);
          const ok = scheme === 'none' || (scheme === 'basic' && auth === 'Basic ' + Buffer.from('root:pass').toString('base64')) || (scheme === 'digest' && digestOk(auth));
          const challenge =
            scheme === 'digest' ? 'WWW-Authenticate: Digest realm="cam", nonce="n1", qop="auth", algorithm=SHA-256\r\n' : 'WWW-Authenticate: Basic realm="cam"\r\n';
          queueMicrotask(() => sink.data(Buffer.from(ok ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK' : `HTTP/1.1 401 Unauthorized\r\n${challenge}Content-Length: 0\r\n\r\n`)));
          return true;
        },
        ack: () => undefined,
        release: () => undefined,
        reset: () => undefined,
      };
    },
    ping: async () => undefined,
  };
  return { tunnel, seen };
}

function digestOk(auth: string | undefined): boolean {
  if (!auth?.startsWith('Digest ')) return false;
  const p = new Map([...auth.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  const challenge = parseChallenges(['Digest realm="cam", nonce="n1", qop="auth", algorithm=SHA-256']).digest!;
  const expected = digestResponse({ challenge, user: 'root', pass: 'pass', method: 'GET', uri: PATH, nc: p.get('nc')!, cnonce: p.get('cnonce')! });
  return p.get('uri') === PATH && p.get('username') === 'root' && p.get('response') === expected;
}

function http(conf: string, tunnel: DeviceTunnel): DeviceHttp {
  const config = parseConfig(conf, 'control.conf', { env: {} });
  return new DeviceHttp({ config, live: new ConfigHolder(config), edgeLink: { tunnel: () => tunnel }, clock: systemClock } as unknown as ControlDeps);
}

describe('control internal authentication towards devices', () => {
  it('mode 0: a bare request first, then the Digest challenge answered', async () => {
    const d = device('digest');
    const a = await http('credentials = root:pass', d.tunnel).request(RECORD, { method: 'GET', path: PATH });
    assert.equal(a.status, 200);
    assert.equal(d.seen.length, 2);
    assert.equal(d.seen[0], undefined);
    assert.match(d.seen[1]!, /^Digest username="root", realm="cam", nonce="n1", uri=".*", algorithm=SHA-256, response="[0-9a-f]{64}", qop=auth, nc=00000001, cnonce="[0-9a-f]{32}"$/);
  });

  it('mode 0 with a Basic-only device: Basic after the 401', async () => {
    const d = device('basic');
    assert.equal((await http('credentials = root:pass', d.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 200);
    assert.deepEqual(d.seen, [undefined, 'Basic cm9vdDpwYXNz']);
  });

  it('mode 1: Basic at once, one request', async () => {
    const d = device('basic');
    assert.equal((await http('credentials = root:pass\nforce_authentication_mode = 1', d.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 200);
    assert.deepEqual(d.seen, ['Basic cm9vdDpwYXNz']);
  });

  it('mode 2 never sends Basic: a Basic-only device answers 401', async () => {
    const d = device('basic');
    assert.equal((await http('credentials = root:pass\nforce_authentication_mode = 2', d.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 401);
    assert.deepEqual(d.seen, [undefined]);
  });

  it('no credentials: the request as it is, and the device answer as it is', async () => {
    const open = device('none');
    assert.equal((await http('', open.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 200);
    const locked = device('digest');
    assert.equal((await http('', locked.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 401);
    assert.deepEqual(locked.seen, [undefined]);
  });

  it('wrong credentials: one answered challenge, then the 401 is the answer', async () => {
    const d = device('digest');
    assert.equal((await http('credentials = root:wrong', d.tunnel).request(RECORD, { method: 'GET', path: PATH })).status, 401);
    assert.equal(d.seen.length, 2);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { TestPki, waitFor } from '@tether/testing';
import { DeviceCommander } from '../commands/device-commander.service';
import { askCgi, controlDeps } from '../testing/control-deps.fixture';
import { DispatchCgi } from './dispatch.cgi';

const MAC = '00408ca03af0';

/** A dispatcher's provider API that records requests and answers as told. */
class FakeDispatcher {
  readonly got: Array<{ path: string; body: Record<string, unknown> }> = [];
  answer: (path: string) => { status: number; body: unknown } | null = () => ({ status: 200, body: { serversChanged: false } });
  server!: https.Server;

  async start(pki: TestPki): Promise<string> {
    this.server = https.createServer({ cert: pki.read(pki.serverPem), key: pki.read(pki.serverPem) }, (req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        this.got.push({ path: req.url ?? '', body: JSON.parse(text) });
        const a = this.answer(req.url ?? '');
        if (!a) return; // never answers
        res.writeHead(a.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    this.server.close();
    this.server.closeAllConnections();
  }
}

describe('dispatch.cgi (reference 3.8, 4.2, 4.3)', () => {
  let pki: TestPki;
  let dispatcher: FakeDispatcher;
  let url = '';
  before(async () => {
    pki = await TestPki.create();
    dispatcher = new FakeDispatcher();
    url = await dispatcher.start(pki);
  });
  after(() => {
    dispatcher.stop();
    pki.remove();
  });

  const cgi = (extra: Record<string, string> = {}) => {
    const keys = { dispatcher_url: url, dispatcher_ca_bundle: pki.providerCa, provider_ca: pki.providerCa, dispatcher_timeout: '1', ...extra };
    const deps = controlDeps(Object.entries(keys).map(([k, v]) => `${k} = ${v}`).join('\n'));
    return { deps, cgi: new DispatchCgi(deps, new DeviceCommander(deps)) };
  };
  const REGISTER = `/admin/dispatch.cgi?action=register&user=acme&pass=secret&mac=00408CA03AF0&oak=5A8A-26D0-52AC&server=a.example:8443`;
  const failure = (reason: string) => `Request failed. (Reason: ${reason}.)\n`;

  it('register: sends the arguments and the provider_ca certificate; 200 with an empty body', async () => {
    dispatcher.got.length = 0;
    const a = await askCgi(cgi().cgi, REGISTER);
    assert.equal(a.status, 200);
    assert.equal(a.body, '');
    assert.deepEqual(dispatcher.got, [
      {
        path: '/register',
        body: { user: 'acme', pass: 'secret', mac: '00408CA03AF0', oak: '5A8A-26D0-52AC', server: 'a.example:8443', caPem: pki.read(pki.providerCa) },
      },
    ]);
  });

  it('register with an empty server is passed on as empty (the account keeps its list)', async () => {
    dispatcher.got.length = 0;
    const a = await askCgi(cgi().cgi, REGISTER.replace('server=a.example:8443', 'server='));
    assert.equal(a.status, 200);
    assert.equal(dispatcher.got[0].body.server, '');
  });

  it('unregister: user, pass and mac to /unregister; 200', async () => {
    dispatcher.got.length = 0;
    const a = await askCgi(cgi().cgi, '/admin/dispatch.cgi?action=unregister&user=acme&pass=secret&mac=00408CA03AF0');
    assert.equal(a.status, 200);
    assert.deepEqual(dispatcher.got, [{ path: '/unregister', body: { user: 'acme', pass: 'secret', mac: '00408CA03AF0' } }]);
  });

  it("answers 400 with the dispatcher's own message when it refuses", async () => {
    dispatcher.answer = () => ({ status: 403, body: { error: 'Wrong OAK for 00408CA03AF0' } });
    try {
      const a = await askCgi(cgi().cgi, REGISTER);
      assert.equal(a.status, 400);
      assert.equal(a.body, failure('Wrong OAK for 00408CA03AF0'));
    } finally {
      dispatcher.answer = () => ({ status: 200, body: { serversChanged: false } });
    }
  });

  const cases: Array<[string, string, string]> = [
    ['no action', '/admin/dispatch.cgi?user=a', 'Missing argument action'],
    ['an unknown action', '/admin/dispatch.cgi?action=list', 'Invalid action "list": expected register or unregister'],
    ['no user', REGISTER.replace('user=acme&', ''), 'Missing argument user'],
    ['no oak', REGISTER.replace('&oak=5A8A-26D0-52AC', ''), 'Missing argument oak'],
    ['no server at all', REGISTER.replace('&server=a.example:8443', ''), 'Missing argument server (it may be empty)'],
    ['mac twice', REGISTER + '&mac=00408CA03AF1', 'Argument mac given 2 times'],
  ];
  for (const [what, path, reason] of cases) {
    it(`answers 400 for ${what}, without asking the dispatcher`, async () => {
      dispatcher.got.length = 0;
      const a = await askCgi(cgi().cgi, path);
      assert.equal(a.status, 400);
      assert.equal(a.body, failure(reason));
      assert.equal(dispatcher.got.length, 0);
    });
  }

  it('answers 400 when no dispatcher or no provider CA is configured', async () => {
    const noUrl = new DispatchCgi(controlDeps(`provider_ca = ${pki.providerCa}`), new DeviceCommander(controlDeps()));
    assert.equal((await askCgi(noUrl, REGISTER)).body, failure('No dispatcher configured (dispatcher_url)'));
    const noCa = new DispatchCgi(controlDeps(`dispatcher_url = ${url}`), new DeviceCommander(controlDeps()));
    assert.equal((await askCgi(noCa, REGISTER)).body, failure('No provider CA configured (provider_ca): the device would not trust this cluster'));
  });

  it('answers 400 "connection refused" when nothing listens at dispatcher_url', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const a = await askCgi(cgi({ dispatcher_url: `https://127.0.0.1:${port}` }).cgi, REGISTER);
    assert.equal(a.status, 400);
    assert.equal(a.body, failure(`Dispatcher https://127.0.0.1:${port} unreachable: connection refused`));
  });

  it('answers 400 when the dispatcher certificate is not trusted by dispatcher_ca_bundle', async () => {
    const a = await askCgi(cgi({ dispatcher_ca_bundle: pki.dispatcherCa }).cgi, REGISTER);
    assert.equal(a.status, 400);
    assert.match(a.body, /^Request failed\. \(Reason: Dispatcher https:\/\/127\.0\.0\.1:\d+ unreachable: its certificate is not trusted \([A-Z_]+; see dispatcher_ca_bundle\)\.\)\n$/);
  });

  it('answers 400 when the dispatcher does not answer within dispatcher_timeout', async () => {
    dispatcher.answer = () => null;
    try {
      const a = await askCgi(cgi().cgi, REGISTER);
      assert.equal(a.status, 400);
      assert.equal(a.body, failure(`Dispatcher ${url} unreachable: no answer within 1 s`));
    } finally {
      dispatcher.answer = () => ({ status: 200, body: { serversChanged: false } });
    }
  });

  it("a changed server list moves the account's devices this cluster holds: set-servers, then reconnect", async () => {
    dispatcher.answer = () => ({ status: 200, body: { serversChanged: true, servers: ['b.example:8443'], devices: [MAC, '00408c000001'] } });
    try {
      const { deps, cgi: c } = cgi();
      await deps.presence.announceEdge('edge-1', '10.0.0.2:7000');
      const { epoch } = await deps.presence.claim({
        mac: MAC,
        edgeId: 'edge-1',
        edgeAddress: '10.0.0.2:7000',
        connectionId: `1.${MAC}`,
        srcaddr: '10.0.0.9:5000',
        connectedAt: 0,
        protocolVersion: 2,
      });
      assert.equal((await askCgi(c, REGISTER)).status, 200);
      await waitFor(async () => (deps.edgeLink.sent.length === 2 ? true : undefined), 5000, 'two commands');
      assert.deepEqual(
        deps.edgeLink.sent.map((s) => s.cmd),
        [
          { mac: MAC, epoch, command: 'set-servers', servers: ['b.example:8443'] },
          { mac: MAC, epoch, command: 'reconnect' },
        ],
      );
    } finally {
      dispatcher.answer = () => ({ status: 200, body: { serversChanged: false } });
    }
  });
});

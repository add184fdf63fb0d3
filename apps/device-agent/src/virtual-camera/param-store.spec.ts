import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ParamStore } from './param.store';
import { parseServerList } from './server-list';

const store = () =>
  new ParamStore(
    [
      ['root.Brand.Brand', 'AXIS'],
      ['root.RemoteService.Enabled', 'yes'],
    ],
    ['a:1'],
  );

describe('ParamStore', () => {
  it('keeps the server list param in step with the list', () => {
    const s = store();
    assert.equal(s.list(['RemoteService.ServerList']), 'root.RemoteService.ServerList=a:1\n');
    assert.equal(s.setServerList(['b:2', 'c:3']), true);
    assert.equal(s.setServerList(['b:2', 'c:3']), false);
    assert.equal(s.list(['remoteservice.serverlist']), 'root.RemoteService.ServerList=b:2,c:3\n');
  });

  it('applies an update all-or-nothing', () => {
    const s = store();
    const r = s.update([
      ['RemoteService.ServerList', 'x:1'],
      ['Brand.Brand', 'ACME'],
    ]);
    assert.deepEqual(r, { ok: false, errors: ["# Error: Error setting 'Brand.Brand' to 'ACME'!\n"] });
    assert.deepEqual(s.serverList(), ['a:1']);
    assert.deepEqual(s.update([['root.RemoteService.ServerList', '']]), { ok: true, serverListChanged: true });
    assert.deepEqual(s.serverList(), []);
  });

  it('mixes listed groups and error lines in request order', () => {
    assert.equal(
      store().list(['Brand', 'Nope']),
      "root.Brand.Brand=AXIS\n# Error: Error -1 getting param in group 'Nope'\n",
    );
  });
});

describe('server list entries', () => {
  it('accepts host:port, IPv4 and bracketed IPv6, trims, and rejects the rest', () => {
    const list = parseServerList(' a.example:8443 , 10.0.0.1:443,[::1]:80 ');
    assert.deepEqual(list, ['a.example:8443', '10.0.0.1:443', '[::1]:80']);
    assert.deepEqual(parseServerList(''), []);
    for (const bad of ['a.example', 'a.example:0', 'a.example:65536', 'a b:1', ':80', '::1:80']) {
      assert.equal(parseServerList(bad), null, bad);
    }
  });
});

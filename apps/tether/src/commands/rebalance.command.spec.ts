import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError, parseFlags } from '../cli/flags';
import { rebalanceCommand, rebalanceUrl } from './rebalance.command';

const run = (...argv: string[]) => rebalanceCommand.run(parseFlags(rebalanceCommand, argv));

/** A stand-in admin listener answering every request with `status` and `body`; the paths and headers it saw. */
async function adminServer(status: number, body: string) {
  const seen: Array<{ url: string; auth?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

describe('tether rebalance', () => {
  it('asks rebalance.cgi with the rate and dry run it was given', () => {
    assert.equal(rebalanceUrl('http://127.0.0.1:8080', 25, false).href, 'http://127.0.0.1:8080/admin/rebalance.cgi?rate=25');
    assert.equal(rebalanceUrl('https://admin.example:8443/', undefined, true).href, 'https://admin.example:8443/admin/rebalance.cgi?dry_run=1');
  });

  it('refuses a missing or bad --admin, a bad --rate and --user without --pass, saying which', async () => {
    await assert.rejects(run(), (e: Error) => e instanceof UsageError && e.message === '--admin is required');
    await assert.rejects(run('--admin', 'nope'), /--admin must be a URL such as http:\/\/127\.0\.0\.1:8080, got "nope"/);
    await assert.rejects(run('--admin', 'ftp://a:1'), /--admin must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/a:1"/);
    await assert.rejects(run('--admin', 'http://a:1', '--rate', '0'), /--rate must be a whole number >= 1/);
    await assert.rejects(run('--admin', 'http://a:1', '--user', 'admin'), /--user and --pass go together/);
  });

  it('sends the credentials, exits 0 on 200 and 1 on a refusal; says when control cannot be reached', async () => {
    const ok = await adminServer(200, 'done in 0.0 s: moved 0, stayed 0, failed 0\n');
    const busy = await adminServer(409, 'Request failed. (Reason: A rebalance is already running; wait for its summary.)\n');
    try {
      assert.equal(await run('--admin', ok.url, '--user', 'admin', '--pass', 's3cret', '--rate', '5'), 0);
      assert.deepEqual(ok.seen, [{ url: '/admin/rebalance.cgi?rate=5', auth: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` }]);
      assert.equal(await run('--admin', busy.url), 1);
    } finally {
      ok.close();
      busy.close();
    }
    await assert.rejects(run('--admin', 'http://127.0.0.1:1'), /cannot reach http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  });
});

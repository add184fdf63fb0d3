import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TETHER_BIN, TetherProcess, curl, freePort, sha256, shellWords } from '@tether/testing';

/** The files the first run creates under <dir>/pki; a second run must leave every one as it was. */
const PKI_FILES = [
  'server.pem',
  'provider/stserver_ca.crt',
  'provider/stserver_ca.key',
  'dispatcher/dispatcher_ca.crt',
  'dispatcher/dispatcher_ca.key',
  'devices/00408c000001.pem',
];

/**
 * The two commands `tether server` prints for the user, split into words as a shell would. The agent
 * command must start `node <this checkout's bin/tether.js> agent`: it runs from any directory.
 */
function printedCommands(output: string): { agent: string[]; curl: string[] } {
  const agentLine = /^ *(node .* agent (?:[^\n]*\\\n)*[^\n]*)$/m.exec(output);
  const curlLine = /^ *curl (-x [^\n]*)$/m.exec(output);
  assert.ok(agentLine && curlLine, `no agent or curl command in:\n${output}`);
  const words = shellWords(agentLine[1]);
  assert.deepEqual(words.slice(0, 3), ['node', realpathSync(TETHER_BIN), 'agent'], agentLine[1]);
  return { agent: words.slice(2), curl: shellWords(curlLine[1]) };
}

/** The exit code, or 'still running' after `ms` (the timer does not hold the test process open). */
async function exitWithin(p: TetherProcess, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  try {
    return await Promise.race([p.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('tether server (all-in-one, embedded default)', () => {
  let cwd: string;
  let dir: string;
  const procs: TetherProcess[] = [];
  const env: Record<string, string> = {};

  /** Starts a process with cwd = the temp dir; every one is stopped by after(). */
  const start = (args: string[], extraEnv: Record<string, string> = {}) => {
    const p = new TetherProcess(args, { cwd, env: { ...env, ...extraEnv } });
    procs.push(p);
    return p;
  };

  before(async () => {
    // A space in the path: the printed commands must quote what they print.
    cwd = mkdtempSync(join(tmpdir(), 'tether server-'));
    dir = join(cwd, 'state');
    // The embedded defaults (8443, 3128, 8081, 8080) may be taken on a shared machine: TETHER_<KEY> overrides them.
    env.TETHER_LISTEN_CLIENT = `127.0.0.1:${await freePort()}`;
    env.TETHER_LISTEN_USER = `127.0.0.1:${await freePort()}`;
    env.TETHER_LISTEN_ADMIN = `127.0.0.1:${await freePort()}`;
    env.TETHER_LISTEN_USER_EXT = `127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop()));
    rmSync(cwd, { recursive: true, force: true });
  });

  /** Runs the printed agent command and the printed curl, as a user would paste them. */
  async function followPrintedCommands(output: string): Promise<string[]> {
    const cmds = printedCommands(output);
    assert.equal(cmds.curl[cmds.curl.indexOf('-x') + 1], env.TETHER_LISTEN_USER, 'the curl uses listen_user');
    assert.equal(cmds.agent[cmds.agent.indexOf('--servers') + 1], env.TETHER_LISTEN_CLIENT, 'the agent uses listen_client');
    const agent = start(cmds.agent);
    try {
      await agent.waitForOutput(new RegExp(`connected to ${env.TETHER_LISTEN_CLIENT.replace(/\./g, '\\.')} `), 15_000);
      const r = await curl(['--fail', '--max-time', '10', ...cmds.curl]);
      assert.equal(r.code, 0, r.stderr);
      const params = r.stdout.toString();
      assert.match(params, /^root\.RemoteService\.Enabled=yes$/m);
      assert.ok(params.includes(`root.RemoteService.ServerList=${env.TETHER_LISTEN_CLIENT}\n`), params);
    } finally {
      await agent.stop();
    }
    return [...cmds.agent, '|', ...cmds.curl];
  }

  it('first run creates the development PKI, prints an agent and a curl command that work; a second run reuses the PKI', async () => {
    const first = start(['server', '--dir', dir]);
    await first.waitForOutput(/^ *curl -x .*$/m, 30_000);
    assert.match(first.output, /creating a development PKI in .*pki/);
    for (const f of PKI_FILES) assert.ok(existsSync(join(dir, 'pki', f)), `${f} created`);
    const before = PKI_FILES.map((f) => ({ f, hash: sha256(readFileSync(join(dir, 'pki', f))), mtime: statSync(join(dir, 'pki', f)).mtimeMs }));
    const commands1 = await followPrintedCommands(first.output);
    await first.stop();

    const second = start(['server', '--dir', dir]);
    await second.waitForOutput(/^ *curl -x .*$/m, 15_000);
    assert.doesNotMatch(second.output, /creating a development PKI/);
    for (const b of before) {
      const p = join(dir, 'pki', b.f);
      assert.equal(sha256(readFileSync(p)), b.hash, `${b.f} unchanged`);
      assert.equal(statSync(p).mtimeMs, b.mtime, `${b.f} not rewritten`);
    }
    // The same commands, and the device certificate of the first run is still accepted.
    assert.deepEqual(await followPrintedCommands(second.output), commands1);
    await second.stop();
  });

  it('an invalid configuration file is refused with exit code 1 naming file, line, key and reason', async () => {
    const file = join(cwd, 'bad.conf');
    writeFileSync(file, ['# a comment', 'stserverid = bad-config', 'listen_user = nope', 'bogus_key = 1', ''].join('\n'));
    const p = start(['server', '--config', file]);
    const code = await exitWithin(p, 10_000);
    assert.equal(code, 1, p.output);
    assert.ok(p.output.includes(`${file}:3: listen_user: "nope" is not an address:port`), p.output);
    assert.ok(p.output.includes(`${file}:4: bogus_key: unknown key`), p.output);
    assert.doesNotMatch(p.output, /listen_user on|started/, 'nothing was started');
  });

  it('an invalid TETHER_<KEY> over the embedded default is refused the same way', async () => {
    const p = start(['server', '--dir', dir], { TETHER_LISTEN_USER: 'nope' });
    const code = await exitWithin(p, 10_000);
    assert.equal(code, 1, p.output);
    assert.match(p.output, /environment TETHER_LISTEN_USER: listen_user: "nope" is not an address:port/);
  });
});

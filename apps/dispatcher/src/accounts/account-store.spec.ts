import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountStore, parseAccounts, withAccount } from './account.store';
import { hashPassword, verifyPassword } from './password.hash';

describe('provider accounts (dispatcher_accounts)', () => {
  it('stores a scrypt hash, never the password, and verifies only the right one', async () => {
    const hash = await hashPassword('s3cret');
    assert.match(hash, /^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    assert.ok(!hash.includes('s3cret'));
    assert.equal(await verifyPassword('s3cret', hash), true);
    assert.equal(await verifyPassword('s3cret ', hash), false);
    assert.notEqual(await hashPassword('s3cret'), hash, 'salted');
  });

  it('a malformed stored hash never matches', async () => {
    assert.equal(await verifyPassword('x', 'plain-text'), false);
  });

  it('adds an account, replaces its password, keeps the others; the store reads the file at each check', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'accounts-')), 'accounts');
    let text = await withAccount('', file, 'acme', 'one');
    text = await withAccount(text, file, 'other', 'two');
    writeFileSync(file, text);
    const store = new AccountStore(file);
    assert.equal(await store.verify('acme', 'one'), true);
    writeFileSync(file, await withAccount(text, file, 'acme', 'three'));
    assert.equal(await store.verify('acme', 'one'), false);
    assert.equal(await store.verify('acme', 'three'), true);
    assert.equal(await store.verify('other', 'two'), true);
    assert.equal(await store.verify('nobody', 'two'), false);
  });

  it('refuses a file with a plain password, a bad user name or a duplicate, naming the line', async () => {
    assert.throws(() => parseAccounts('# providers\nacme:secret\n', 'acc'), /^Error: acc:2: the password of "acme" is not a scrypt hash/);
    assert.throws(() => parseAccounts('bad user:x\n', 'acc'), /^Error: acc:1: expected "user:scrypt\$\.\.\."/);
    const h = `scrypt$16384$8$1$${'a'.repeat(32)}$${'b'.repeat(64)}`;
    assert.throws(() => parseAccounts(`acme:${h}\nacme:${h}\n`, 'acc'), /^Error: acc:2: account "acme" appears twice$/);
  });

  it('refuses an empty password or a bad user name when writing', async () => {
    await assert.rejects(withAccount('', 'f', 'acme', ''), /password must not be empty/);
    await assert.rejects(withAccount('', 'f', 'a b', 'x'), /user name "a b"/);
  });
});

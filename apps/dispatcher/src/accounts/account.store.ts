import { promises as fs } from 'node:fs';
import { hashPassword, isPasswordHash, verifyPassword } from './password.hash';

/** A user name: what a provider types, and a JSON key in the state file. */
const USER = /^[A-Za-z0-9._@-]{1,64}$/;

export function parseAccounts(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const colon = t.indexOf(':');
    const user = colon > 0 ? t.slice(0, colon) : '';
    const hash = t.slice(colon + 1);
    if (!USER.test(user)) throw new Error(`${file}:${i + 1}: expected "user:scrypt$..." with a user name of letters, digits, . _ @ -`);
    if (!isPasswordHash(hash)) throw new Error(`${file}:${i + 1}: the password of "${user}" is not a scrypt hash (write it with tether dispatcher-account)`);
    if (out.has(user)) throw new Error(`${file}:${i + 1}: account "${user}" appears twice`);
    out.set(user, hash);
  });
  return out;
}

/**
 * Provider accounts (dispatcher_accounts): read again at every check, so an account added with
 * `tether dispatcher-account` works at once without a restart.
 */
export class AccountStore {
  /** Compared against when the user is unknown, so an unknown user costs the same time as a wrong password. */
  private decoy?: Promise<string>;

  constructor(private readonly file: string) {}

  /** Throws when the file cannot be read or parsed (the caller reports it; nobody is let in). */
  async load(): Promise<Map<string, string>> {
    return parseAccounts(await fs.readFile(this.file, 'utf8'), this.file);
  }

  async verify(user: string, password: string): Promise<boolean> {
    const accounts = await this.load();
    const hash = accounts.get(user);
    if (!hash) {
      this.decoy ??= hashPassword('decoy');
      await verifyPassword(password, await this.decoy);
      return false;
    }
    return verifyPassword(password, hash);
  }
}

/** The account file with `user` set to `password` (added, or its password replaced); other lines kept. */
export async function withAccount(text: string, file: string, user: string, password: string): Promise<string> {
  if (!USER.test(user)) throw new Error(`user name "${user}" must be 1-64 letters, digits, . _ @ -`);
  if (!password) throw new Error('the password must not be empty');
  parseAccounts(text, file); // refuse to edit a file that is already broken
  const line = `${user}:${await hashPassword(password)}`;
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const i = lines.findIndex((l) => l.trim().startsWith(`${user}:`));
  if (i >= 0) lines[i] = line;
  else lines.push(line);
  return lines.join('\n') + '\n';
}

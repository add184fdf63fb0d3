import type Redis from 'ioredis';
import { newShortcutToken } from './shortcut.token';
import { Shortcut, ShortcutSpec, ShortcutStore } from './shortcut.types';

/**
 * Read and restart the timeout in one step. The value starts with the timeout in ms (`<ms> <json>`),
 * so the script needs nothing from the caller; PEXPIRE only touches a key that still exists, so an
 * expired shortcut never comes back.
 */
const ACCESS_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local sp = string.find(v, ' ', 1, true)
redis.call('PEXPIRE', KEYS[1], string.sub(v, 1, sp - 1))
return string.sub(v, sp + 1)
`;

type Scripted = Redis & { shortcutAccess(key: string): Promise<string | null> };

export interface RedisShortcutOptions {
  /** Prefix of every key (`redis_prefix`, e.g. `tether:`); a shortcut is `<prefix>sc:<token>`. */
  prefix: string;
}

/** Shortcuts in Redis: any gateway replica serves any shortcut; each key expires by itself. */
export class RedisShortcutStore implements ShortcutStore {
  private readonly redis: Scripted;

  constructor(
    redis: Redis,
    private readonly opts: RedisShortcutOptions,
  ) {
    redis.defineCommand('shortcutAccess', { numberOfKeys: 1, lua: ACCESS_LUA });
    this.redis = redis as Scripted;
  }

  private key(token: string): string {
    return `${this.opts.prefix}sc:${token}`;
  }

  async create(spec: ShortcutSpec): Promise<Shortcut> {
    const { mac, path, query, credentials, methods, timeoutMs } = spec;
    const value = `${timeoutMs} ${JSON.stringify({ mac, path, query, credentials, methods, timeoutMs })}`;
    for (;;) {
      const token = newShortcutToken();
      // NX: 128 random bits never collide in practice, but a collision must not replace a live shortcut.
      if ((await this.redis.set(this.key(token), value, 'PX', timeoutMs, 'NX')) === 'OK')
        return { mac, path, query, credentials, methods: [...methods], timeoutMs, token };
    }
  }

  async access(token: string): Promise<Shortcut | null> {
    const json = await this.redis.shortcutAccess(this.key(token));
    if (json === null) return null;
    return { ...(JSON.parse(json) as ShortcutSpec), token };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

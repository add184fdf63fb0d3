import { utils as sshUtils } from 'ssh2';

/**
 * An ephemeral SSH host key: agents do not pin it, TLS authenticated the dispatcher. ssh2's ed25519 keygen
 * drops a leading zero byte about 1 time in 256 (mscdex/ssh2#1513), so the first key that parses is kept.
 */
export function ephemeralHostKey(): string {
  for (let i = 0; i < 8; i++) {
    const key = sshUtils.generateKeyPairSync('ed25519').private;
    const parsed = sshUtils.parseKey(key);
    if (!(parsed instanceof Error) && !Array.isArray(parsed)) return key;
  }
  throw new Error('could not generate an SSH host key');
}

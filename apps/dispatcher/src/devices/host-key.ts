import { utils as sshUtils } from 'ssh2';

type ParsedKey = Exclude<ReturnType<typeof sshUtils.parseKey>, Error | unknown[]>;

/**
 * An ephemeral SSH host key: agents do not pin it, TLS authenticated the dispatcher. ssh2's ed25519 keygen
 * drops a leading zero byte about 1 time in 256 (mscdex/ssh2#1513), so the first key that parses is kept.
 */
export function ephemeralHostKey(): ParsedKey {
  for (let i = 0; i < 8; i++) {
    const parsed = sshUtils.parseKey(sshUtils.generateKeyPairSync('ed25519').private);
    if (!(parsed instanceof Error) && !Array.isArray(parsed)) return parsed as ParsedKey;
  }
  throw new Error('could not generate an SSH host key');
}

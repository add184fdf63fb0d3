import { createPrivateKey, sign } from 'node:crypto';
import { utils as sshUtils } from 'ssh2';

type ParsedKey = Exclude<ReturnType<typeof sshUtils.parseKey>, Error | unknown[]>;

/**
 * The SSH host key of a device listener, edge or dispatcher (ephemeral: the agents do not pin it, TLS authenticated the server). ssh2 signs
 * with the key's PEM text, which OpenSSL parses again at every signature (~330 µs of ~360 µs per device
 * arrival, measured); the key returned here signs with a parsed KeyObject instead (~30 µs).
 */
export function tunnelHostKey(): { key: ParsedKey } {
  const parsed = generateParsable();
  const keyObject = createPrivateKey(parsed.getPrivatePEM());
  // ssh2 accepts any object that carries its parsed-key marker; everything but sign() is inherited.
  const fast = Object.create(parsed, {
    sign: {
      value: (data: Buffer, algo?: string) => {
        try {
          return sign(algo ?? null, data, keyObject);
        } catch (err) {
          return err as Error;
        }
      },
    },
  }) as ParsedKey;
  return { key: fast };
}

/** ssh2's ed25519 keygen drops a leading zero byte about 1 time in 256 (mscdex/ssh2#1513): keep the first key that parses. */
function generateParsable(): ParsedKey {
  for (let i = 0; i < 8; i++) {
    const parsed = sshUtils.parseKey(sshUtils.generateKeyPairSync('ed25519').private);
    if (!(parsed instanceof Error) && !Array.isArray(parsed)) return parsed as ParsedKey;
  }
  throw new Error('could not generate an SSH host key');
}

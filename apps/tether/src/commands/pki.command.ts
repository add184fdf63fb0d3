import { environmentValue } from '@tether/config';
import { readFileSync } from 'node:fs';
import { CRL_DAYS, CRL_REASONS, CrlReason, KeyType, issueDeviceCert, issueServerCert, publishCrl, revokeCertificate, setupDispatcherCa, setupProviderCa } from '@tether/pki';
import { CommandSpec, ParsedFlags, UsageError, int, str } from '../cli/flags';

const KEY_TYPES: KeyType[] = ['rsa-4096', 'rsa-2048', 'ec-p256'];
const say = (line: string) => process.stderr.write(line + '\n');

function need(flags: ParsedFlags, name: string): string {
  const v = str(flags, name);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}

function keyType(flags: ParsedFlags): KeyType | undefined {
  const v = str(flags, 'key-type');
  if (v === undefined) return undefined;
  if (!KEY_TYPES.includes(v as KeyType)) throw new UsageError(`--key-type must be one of ${KEY_TYPES.join(', ')}`);
  return v as KeyType;
}

const password = (flags: ParsedFlags) => str(flags, 'password') ?? environmentValue('TETHER_CA_PASSWORD');

const DIR = { name: 'dir', value: 'DIR', help: 'CA directory.' };
const PASSWORD = { name: 'password', value: 'PASS', help: 'CA key password (or TETHER_CA_PASSWORD).' };
const KEY_TYPE = { name: 'key-type', value: 'TYPE', help: `Key type: ${KEY_TYPES.join(', ')}.` };
const FORCE = { name: 'force', help: 'Overwrite an existing CA.' };
const CRL_OUT = { name: 'crl-out', value: 'FILE', help: 'Where to write the CRL (PEM); default DIR/dispatcher_ca.crl.' };
const VALIDITY = { name: 'validity-days', value: 'N', help: `Days until the CRL's nextUpdate (default ${CRL_DAYS}); re-issue it before then with pki crl.` };
const NAME = { name: 'name', value: 'NAME', help: 'CA common name.' };

function readCert(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--cert ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function reason(flags: ParsedFlags): CrlReason | undefined {
  const v = str(flags, 'reason');
  if (v === undefined) return undefined;
  if (!(CRL_REASONS as readonly string[]).includes(v)) throw new UsageError(`--reason must be one of ${CRL_REASONS.join(', ')}`);
  return v as CrlReason;
}

function setupCaCommand(name: string, summary: string, setup: typeof setupProviderCa): CommandSpec {
  return {
    name,
    summary,
    flags: [DIR, NAME, PASSWORD, KEY_TYPE, FORCE],
    async run(f) {
      const r = await setup({ dir: need(f, 'dir'), name: str(f, 'name'), password: password(f), keyType: keyType(f), force: !!f.force, onProgress: say });
      say(`wrote ${r.certPath} and ${r.keyPath}`);
    },
  };
}

export const pkiCommands: CommandSpec[] = [
  setupCaCommand('pki setup-provider-ca', 'Create the provider CA: DIR/stserver_ca.crt and DIR/stserver_ca.key (RSA 4096 by default).', setupProviderCa),
  {
    name: 'pki issue-server-cert',
    summary: 'Issue a server certificate (OU=ST Server, SAN for every host) signed by the provider CA.',
    flags: [DIR, { name: 'host', value: 'H[,H2...]', help: 'DNS names and IP addresses of the server.' }, { name: 'out', value: 'FILE', help: 'Output: certificate + key (PEM).' }, PASSWORD, KEY_TYPE],
    async run(f) {
      const hosts = need(f, 'host').split(',').map((h) => h.trim()).filter(Boolean);
      const r = await issueServerCert({ dir: need(f, 'dir'), hosts, out: need(f, 'out'), password: password(f), keyType: keyType(f), onProgress: say });
      say(`wrote ${r.out}`);
    },
  },
  setupCaCommand(
    'pki setup-dispatcher-ca',
    'Create a dispatcher client CA (signs device certificates): DIR/dispatcher_ca.crt and .key.',
    setupDispatcherCa,
  ),
  {
    name: 'pki issue-device-cert',
    summary: 'Issue a device certificate (MAC in the subject CN) signed by the dispatcher CA.',
    flags: [DIR, { name: 'mac', value: 'MAC', help: 'Device MAC address.' }, { name: 'out', value: 'FILE', help: 'Output: certificate + key (PEM).' }, PASSWORD, KEY_TYPE],
    async run(f) {
      const r = await issueDeviceCert({ dir: need(f, 'dir'), mac: need(f, 'mac'), out: need(f, 'out'), password: password(f), keyType: keyType(f) });
      say(`wrote ${r.out}`);
    },
  },
  {
    name: 'pki revoke',
    summary: 'Revoke a device certificate: add it to DIR/dispatcher_ca.revoked.json and write a fresh CRL signed by the dispatcher CA.',
    flags: [
      DIR,
      { name: 'cert', value: 'FILE', help: 'The device certificate to revoke (PEM; a certificate + key file works).' },
      { name: 'serial', value: 'HEX', help: 'Or: the serial number of the certificate to revoke.' },
      { name: 'reason', value: 'REASON', help: `CRL reason code: ${CRL_REASONS.join(', ')}.` },
      CRL_OUT,
      VALIDITY,
      PASSWORD,
    ],
    async run(f) {
      const cert = str(f, 'cert');
      const serial = str(f, 'serial');
      if (!cert === !serial) throw new UsageError('give exactly one of --cert or --serial');
      const r = await revokeCertificate({
        dir: need(f, 'dir'),
        ...(cert ? { certPem: readCert(cert) } : { serial }),
        reason: reason(f),
        crlOut: str(f, 'crl-out'),
        validityDays: int(f, 'validity-days', 1),
        password: password(f),
      });
      say(r.alreadyRevoked ? `serial ${r.serial} was already revoked` : `revoked serial ${r.serial}`);
      say(`wrote ${r.crlPath} (CRL number ${r.crlNumber}, ${r.revokedCount} revoked, next update ${r.nextUpdate.toISOString()})`);
    },
  },
  {
    name: 'pki crl',
    summary: 'Re-sign the dispatcher CA\'s CRL from its revoked list (do it before the nextUpdate of the last one).',
    flags: [DIR, CRL_OUT, VALIDITY, PASSWORD],
    async run(f) {
      const r = await publishCrl({ dir: need(f, 'dir'), crlOut: str(f, 'crl-out'), validityDays: int(f, 'validity-days', 1), password: password(f) });
      say(`wrote ${r.crlPath} (CRL number ${r.crlNumber}, ${r.revokedCount} revoked, next update ${r.nextUpdate.toISOString()})`);
    },
  },
];

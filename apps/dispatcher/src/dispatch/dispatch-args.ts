import { X509Certificate } from 'node:crypto';
import { Mac, normalizeMac } from '@tether/protocol';
import { DispatchError } from './dispatch.error';

/** As the reference writes MACs (00408CA03AF0): in every message a provider reads. */
export function shownMac(mac: Mac): string {
  return mac.toUpperCase();
}

/** Echoed in errors: bounded and quoted, so a hostile argument cannot shape the answer. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 64 ? raw.slice(0, 64) + '…' : raw);
}

export function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new DispatchError(400, `Missing argument ${name}`);
  return value.trim();
}

export function macArg(value: unknown): Mac {
  const raw = required(value, 'mac');
  const mac = normalizeMac(raw);
  if (!mac) throw new DispatchError(400, `Invalid mac ${shown(raw)}: expected a MAC address such as 00408CA03AF0`);
  return mac;
}

/** OAKs are compared without dashes, spaces or case: 5A8A-26D0-52AC = 5a8a26d052ac. */
export function normalizeOak(oak: string): string {
  return oak.replace(/[\s-]/g, '').toUpperCase();
}

const ENTRY = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;

/** `server`: comma-separated host:port (the provider's listen_client addresses); empty is an empty list. */
export function serverListArg(value: unknown): string[] {
  if (value !== undefined && typeof value !== 'string') throw new DispatchError(400, 'Invalid server: expected a string');
  const list = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of list) {
    const m = ENTRY.exec(entry);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      throw new DispatchError(400, `Invalid server ${shown(entry)}: expected <address:port> such as example.com:8443`);
  }
  return list;
}

/** The provider CA a register carries: one CA certificate in PEM. */
export function providerCaArg(value: unknown): string {
  const pem = required(value, 'provider CA');
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  let cert: X509Certificate | undefined;
  try {
    cert = block ? new X509Certificate(block) : undefined;
  } catch {
    cert = undefined;
  }
  if (!block || !cert) throw new DispatchError(400, 'Invalid provider CA: not a PEM certificate');
  if (!cert.ca) throw new DispatchError(400, 'Invalid provider CA: the certificate is not a CA (basicConstraints CA:FALSE)');
  return block + '\n';
}

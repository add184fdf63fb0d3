import { KeySpec, ListenAddress } from './schema.types';

type Extra = { secret?: boolean; live?: boolean };

export function str(doc: string, def = '', extra: Extra & { oneOf?: string[] } = {}): KeySpec<string> {
  return {
    doc,
    default: def,
    ...extra,
    parse(raw) {
      if (extra.oneOf && !extra.oneOf.includes(raw)) throw new Error(`must be one of ${extra.oneOf.join(', ')}`);
      return raw;
    },
    format: (v) => v,
  };
}

export function int(doc: string, def: number, opts: Extra & { min?: number; max?: number } = {}): KeySpec<number> {
  return {
    doc,
    default: def,
    ...opts,
    parse(raw) {
      if (!/^-?\d+$/.test(raw)) throw new Error(`"${raw}" is not a whole number`);
      const n = Number(raw);
      if (opts.min !== undefined && n < opts.min) throw new Error(`must be at least ${opts.min}`);
      if (opts.max !== undefined && n > opts.max) throw new Error(`must be at most ${opts.max}`);
      return n;
    },
    format: String,
  };
}

export function bool(doc: string, def: boolean, extra: Extra = {}): KeySpec<boolean> {
  return {
    doc,
    default: def,
    ...extra,
    parse(raw) {
      const l = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(l)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(l)) return false;
      throw new Error(`"${raw}" is not a boolean (use 1 or 0)`);
    },
    format: (v) => (v ? '1' : '0'),
  };
}

export function list(doc: string, extra: Extra = {}): KeySpec<string[]> {
  return {
    doc,
    default: [],
    ...extra,
    parse: (raw) =>
      raw
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    format: (v) => v.join(','),
  };
}

export function parseListen(raw: string): ListenAddress {
  let m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(raw);
  if (!m) m = /^([^:\s]*):(\d+)$/.exec(raw);
  if (!m) m = /^()(\d+)$/.exec(raw);
  if (!m) throw new Error(`"${raw}" is not an address:port`);
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  return { host: m[1] || '0.0.0.0', port };
}

export function formatListen(a: ListenAddress | null): string {
  if (!a) return '';
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function listen(doc: string, extra: Extra = {}): KeySpec<ListenAddress | null> {
  return {
    doc,
    default: null,
    ...extra,
    parse: (raw) => (raw === '' ? null : parseListen(raw)),
    format: formatListen,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function assertHttpUrl(u: string): void {
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    throw new Error(`"${u}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`"${u}" is not an http:// or https:// URL`);
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;

/** `host:port` as other machines dial it (a name, IPv4 or [IPv6], port 1-65535), kept as written; '' when unset. */
export function hostPort(doc: string, extra: Extra = {}): KeySpec<string> {
  return {
    doc,
    default: '',
    ...extra,
    parse(raw) {
      if (raw === '') return raw;
      const colon = raw.lastIndexOf(':');
      const host = colon > 0 ? raw.slice(0, colon) : '';
      const port = colon > 0 ? raw.slice(colon + 1) : '';
      if (!HOST.test(host) || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
        throw new Error(`"${raw}" is not a host:port such as edge-1.example.com:8443`);
      return raw;
    },
    format: String,
  };
}

/** A list of http:// or https:// URLs (notification receivers). */
export function urlList(doc: string, extra: Extra = {}): KeySpec<string[]> {
  const base = list(doc, extra);
  return {
    ...base,
    parse(raw) {
      const urls = base.parse(raw);
      for (const u of urls) assertHttpUrl(u);
      return urls;
    },
  };
}

/** One http:// or https:// URL; empty: none. */
export function httpUrl(doc: string, extra: Extra = {}): KeySpec<string> {
  return {
    ...str(doc, '', extra),
    parse(raw) {
      if (raw) assertHttpUrl(raw);
      return raw;
    },
  };
}

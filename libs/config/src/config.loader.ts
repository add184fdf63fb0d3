import { readFileSync } from 'node:fs';
import { combinationProblems } from './config.combinations';
import { CONFIG_SCHEMA, ConfigKey, TetherConfig } from './config.schema';
import { KeySpec } from './schema.types';

export interface ConfigProblem {
  file: string;
  line: number;
  key: string;
  reason: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      'invalid configuration:\n' +
        problems.map((p) => `  ${p.file}${p.line ? ':' + p.line : ''}: ${p.key}: ${p.reason}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const spec = (key: ConfigKey) => CONFIG_SCHEMA[key] as KeySpec<unknown>;
const isKey = (key: string): key is ConfigKey => Object.prototype.hasOwnProperty.call(CONFIG_SCHEMA, key);

export interface LoadOptions {
  /** Environment to read TETHER_<KEY> overrides from (default: the process environment). */
  env?: Record<string, string | undefined>;
  /** Values applied over the file (e.g. command-line flags), as raw text. */
  overrides?: Partial<Record<ConfigKey, string>>;
}

/** Parses `key = value` text; every problem is collected, then thrown together. */
export function parseConfig(text: string, file: string, opts: LoadOptions = {}): TetherConfig {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  const apply = (key: string, raw: string, where: string, line: number) => {
    if (!isKey(key)) {
      problems.push({ file: where, line, key, reason: 'unknown key' });
      return;
    }
    try {
      values[key] = spec(key).parse(raw);
    } catch (err) {
      problems.push({ file: where, line, key, reason: (err as Error).message });
    }
  };

  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      problems.push({ file, line: i + 1, key: line.split(/\s/)[0], reason: 'expected "key = value"' });
      return;
    }
    const key = line.slice(0, eq).trim();
    const prev = seen.get(key);
    if (prev) problems.push({ file, line: i + 1, key, reason: `already set on line ${prev}` });
    seen.set(key, i + 1);
    apply(key, unquote(line.slice(eq + 1).trim()), file, i + 1);
  });

  for (const [name, raw] of Object.entries(opts.env ?? process.env)) {
    if (!name.startsWith('TETHER_') || raw === undefined) continue;
    const key = name.slice('TETHER_'.length).toLowerCase();
    if (isKey(key)) apply(key, raw, `environment ${name}`, 0);
  }
  for (const [key, raw] of Object.entries(opts.overrides ?? {})) {
    if (raw !== undefined) apply(key, raw, 'command line', 0);
  }
  if (problems.length) throw new ConfigError(problems);

  const out: Record<string, unknown> = { source: file };
  for (const key of Object.keys(CONFIG_SCHEMA) as ConfigKey[]) out[key] = key in values ? values[key] : spec(key).default;
  const clashes = combinationProblems(out as TetherConfig).map((p) => ({ file, line: seen.get(p.key) ?? 0, key: p.key, reason: p.reason }));
  if (clashes.length) throw new ConfigError(clashes);
  return out as TetherConfig;
}

export function loadConfigFile(path: string, opts: LoadOptions = {}): TetherConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: path, line: 0, key: '-', reason: `cannot read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, path, opts);
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v[0] === '"' && v.endsWith('"')) || (v[0] === "'" && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

/** `key = value` lines of the configuration in force; secrets shown as a single `*`. */
export function printConfig(config: TetherConfig): string {
  return (Object.keys(CONFIG_SCHEMA) as ConfigKey[])
    .map((key) => {
      const s = spec(key);
      const text = s.format(config[key]);
      return `${key} = ${s.secret && text ? '*' : text}`;
    })
    .join('\n')
    .concat('\n');
}

/** Keys whose new value differs but cannot be applied without a restart. */
export function changedStaticKeys(before: TetherConfig, after: TetherConfig): ConfigKey[] {
  return (Object.keys(CONFIG_SCHEMA) as ConfigKey[]).filter(
    (k) => !spec(k).live && spec(k).format(before[k]) !== spec(k).format(after[k]),
  );
}

/** One environment variable, for the few settings that are not configuration keys (e.g. TETHER_CA_PASSWORD). */
export function environmentValue(name: string): string | undefined {
  return process.env[name];
}

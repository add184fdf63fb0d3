export interface FlagSpec {
  name: string;
  /** Placeholder shown in help; absent for boolean switches. */
  value?: string;
  help: string;
  default?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage?: string;
  flags: FlagSpec[];
  run(flags: ParsedFlags): Promise<number | void>;
}

export type ParsedFlags = Record<string, string | boolean | undefined>;

export class UsageError extends Error {}

/** `--name value`, `--name=value`, `--switch`; unknown flags and missing values are usage errors. */
export function parseFlags(spec: CommandSpec, argv: string[]): ParsedFlags {
  const out: ParsedFlags = {};
  for (const f of spec.flags) if (f.default !== undefined) out[f.name] = f.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument "${arg}"`);
    const flag = spec.flags.find((f) => f.name === m[1]);
    if (!flag) throw new UsageError(`unknown flag --${m[1]}`);
    if (!flag.value) {
      if (m[2] !== undefined) throw new UsageError(`--${flag.name} takes no value`);
      out[flag.name] = true;
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${flag.name} needs a value (${flag.value})`);
    out[flag.name] = v;
  }
  return out;
}

export function commandHelp(prog: string, spec: CommandSpec): string {
  const width = Math.max(...spec.flags.map((f) => f.name.length + (f.value ? f.value.length + 1 : 0)), 4) + 4;
  const lines = [`Usage: ${prog} ${spec.usage ?? spec.name + ' [flags]'}`, '', spec.summary, '', 'Flags:'];
  for (const f of [...spec.flags, { name: 'help', help: 'Show this help.' } as FlagSpec]) {
    const left = `--${f.name}${f.value ? ' ' + f.value : ''}`;
    lines.push(`  ${left.padEnd(width)}${f.help}${f.default !== undefined ? ` (default: ${f.default})` : ''}`);
  }
  return lines.join('\n') + '\n';
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function int(flags: ParsedFlags, name: string, min = 0): number | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be a whole number >= ${min}`);
  return Number(v);
}

import { SERVER_LIST_PARAM } from './camera.params';
import { parseServerList } from './server-list';

export type UpdateResult = { ok: true; serverListChanged: boolean } | { ok: false; errors: string[] };

/** `RemoteService.ServerList` and `root.remoteservice.serverlist` name the same param (Axis is lenient). */
function normalize(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.startsWith('root.') || lower === 'root' ? lower : `root.${lower}`;
}

/** The camera's parameters; names keep their canonical case, lookups ignore it. */
export class ParamStore {
  private readonly values = new Map<string, string>();
  private readonly canonical = new Map<string, string>();
  private servers: string[];

  constructor(params: Array<[string, string]>, serverList: readonly string[]) {
    for (const [name, value] of params) {
      this.values.set(name, value);
      this.canonical.set(name.toLowerCase(), name);
    }
    this.servers = [...serverList];
    this.values.set(SERVER_LIST_PARAM, this.servers.join(','));
    this.canonical.set(SERVER_LIST_PARAM.toLowerCase(), SERVER_LIST_PARAM);
  }

  serverList(): string[] {
    return [...this.servers];
  }

  /** Returns whether the list differs from the previous one. */
  setServerList(list: readonly string[]): boolean {
    const changed = list.join(',') !== this.servers.join(',');
    this.servers = [...list];
    this.values.set(SERVER_LIST_PARAM, this.servers.join(','));
    return changed;
  }

  /** param.cgi?action=list output: `name=value` lines, or Axis's error line per unknown group. */
  list(groups: string[]): string {
    if (groups.length === 0) return this.lines(() => true);
    return groups
      .map((g) => {
        const prefix = normalize(g);
        const text = this.lines((n) => n === prefix || n.startsWith(`${prefix}.`));
        return text || `# Error: Error -1 getting param in group '${g}'\n`;
      })
      .join('');
  }

  /** All-or-nothing: one bad pair leaves every param as it was. */
  update(pairs: Array<[string, string]>): UpdateResult {
    if (pairs.length === 0) return { ok: false, errors: ['# Error: No parameters to update\n'] };
    const errors: string[] = [];
    let list: string[] | null = null;
    for (const [name, value] of pairs) {
      const parsed = this.canonical.get(normalize(name)) === SERVER_LIST_PARAM ? parseServerList(value) : null;
      if (parsed) list = parsed;
      else errors.push(`# Error: Error setting '${name}' to '${value}'!\n`);
    }
    if (errors.length || !list) return { ok: false, errors };
    return { ok: true, serverListChanged: this.setServerList(list) };
  }

  private lines(match: (lowerName: string) => boolean): string {
    let out = '';
    for (const [name, value] of this.values) if (match(name.toLowerCase())) out += `${name}=${value}\n`;
    return out;
  }
}

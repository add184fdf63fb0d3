import { newShortcutToken } from './shortcut.token';
import { Shortcut, ShortcutSpec, ShortcutStore } from './shortcut.types';

/** Expired entries are swept at most this often (on create): memory stays bounded without a timer. */
const SWEEP_EVERY_MS = 60_000;

/** In-process shortcuts for the all-in-one server (one gateway and control share it); same rules as Redis. */
export class MemoryShortcutStore implements ShortcutStore {
  private readonly entries = new Map<string, { shortcut: Shortcut; expiresAt: number }>();
  private lastSweep: number;

  constructor(private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  async create(spec: ShortcutSpec): Promise<Shortcut> {
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    let token = newShortcutToken();
    while (this.entries.has(token)) token = newShortcutToken();
    const shortcut: Shortcut = { ...spec, methods: [...spec.methods], token };
    this.entries.set(token, { shortcut, expiresAt: now + spec.timeoutMs });
    return copy(shortcut);
  }

  async access(token: string): Promise<Shortcut | null> {
    const e = this.entries.get(token);
    if (!e) return null;
    const now = this.now();
    if (now >= e.expiresAt) {
      this.entries.delete(token);
      return null;
    }
    e.expiresAt = now + e.shortcut.timeoutMs;
    return copy(e.shortcut);
  }

  /** How many shortcuts are held, expired ones not swept yet included (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [token, e] of this.entries) if (now >= e.expiresAt) this.entries.delete(token);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** Callers get their own copy: nothing they change reaches the stored shortcut (as with Redis). */
function copy(s: Shortcut): Shortcut {
  return { ...s, methods: [...s.methods], credentials: s.credentials && { ...s.credentials } };
}

import { ConfigKey, TetherConfig } from './config.schema';
import { changedStaticKeys } from './config.loader';

export type ConfigListener = (next: TetherConfig, prev: TetherConfig) => void;

export interface ReloadOutcome {
  /** Keys that changed but only apply after a restart (reported in the log, not applied). */
  notApplied: ConfigKey[];
}

/**
 * The configuration in force in one process. Components read live keys (those marked `live` in the
 * schema) through `current` or react in `onChange`; a reload keeps every static key at its value
 * from start, so what a component read at start stays true for the life of the process.
 */
export class ConfigHolder {
  private config: TetherConfig;
  private readonly listeners = new Set<ConfigListener>();
  private reloadCount = 0;
  private lastChange: number;

  constructor(
    initial: TetherConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.config = initial;
    this.lastChange = now();
  }

  get current(): TetherConfig {
    return this.config;
  }

  /** Reloads applied since start (configuration_reloads). */
  get reloads(): number {
    return this.reloadCount;
  }

  /** When the configuration in force was last loaded (ms; configuration_uptime counts from here). */
  get loadedAt(): number {
    return this.lastChange;
  }

  onChange(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Puts a freshly validated configuration in force: live keys take the new values, static keys
   * keep the old ones (and are returned, so the caller can log them).
   */
  apply(loaded: TetherConfig): ReloadOutcome {
    const prev = this.config;
    const notApplied = changedStaticKeys(prev, loaded);
    const next = { ...loaded } as Record<string, unknown>;
    for (const k of notApplied) next[k] = prev[k];
    this.config = next as TetherConfig;
    this.reloadCount++;
    this.lastChange = this.now();
    for (const l of this.listeners) l(this.config, prev);
    return { notApplied };
  }
}

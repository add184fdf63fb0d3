/** A listener address as written in the configuration (`host:port`, `[v6]:port`, `:port`). */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface KeySpec<T> {
  doc: string;
  default: T;
  /** Parses the raw text; returns the value or throws an Error whose message is the reason. */
  parse(raw: string): T;
  /** Shown as `*` by print_config. */
  secret?: boolean;
  /** Applied by a reload; otherwise a change is reported and ignored until restart. */
  live?: boolean;
  format(value: T): string;
}

export type ValueOf<S> = S extends KeySpec<infer T> ? T : never;
export type ConfigOf<S extends Record<string, KeySpec<unknown>>> = { readonly [K in keyof S]: ValueOf<S[K]> };

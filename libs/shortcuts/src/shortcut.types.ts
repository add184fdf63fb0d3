/** What shortcut.cgi registers: one device, an optional locked path and query, the methods allowed. */
export interface ShortcutSpec {
  /** The device, 12 lower-case hex digits. */
  mac: string;
  /** Origin-form path the shortcut is locked to (`/axis-cgi/param.cgi`); null: the user chooses it. */
  path: string | null;
  /** Query the shortcut is locked to, without `?`; null: the user's query passes. */
  query: string | null;
  /** `user:pass@` of the url: used towards the device instead of anything else. */
  credentials: { user: string; pass: string } | null;
  /** Upper-case HTTP methods allowed. */
  methods: string[];
  /** Lifetime without access; every access starts it again. */
  timeoutMs: number;
}

export interface Shortcut extends ShortcutSpec {
  /** 128 random bits, 32 lower-case hex digits. */
  token: string;
}

/** Where shortcuts live: in-process for the all-in-one server, Redis for a cluster of gateways. */
export interface ShortcutStore {
  /** Stores a new shortcut under a fresh random token, alive for `timeoutMs`. */
  create(spec: ShortcutSpec): Promise<Shortcut>;
  /** The shortcut, its timeout restarted (atomically with the read); null when unknown or expired. */
  access(token: string): Promise<Shortcut | null>;
  close(): Promise<void>;
}

/** Methods a shortcut may allow: those the O3C user interface forwards (reference 5.1). */
export const SHORTCUT_METHODS: ReadonlySet<string> = new Set(['HEAD', 'GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'PATCH']);

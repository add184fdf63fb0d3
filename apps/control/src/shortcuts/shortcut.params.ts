import { SHORTCUT_METHODS, ShortcutSpec, ShortcutUrlError, decodeShortcutBase64, parseShortcutUrl } from '@tether/shortcuts';

/** The longest timeout accepted, in seconds (about 31 years): keeps the TTL in milliseconds an exact integer. */
const MAX_TIMEOUT_S = 999_999_999;

export class ShortcutParamsError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The arguments of shortcut.cgi. Names are read trimmed: the reference's own example, written over
 * several lines, puts the continuation lines' indentation in front of each name.
 */
export function readShortcutParams(search: URLSearchParams): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of search) {
    const name = k.trim();
    if (!params.has(name)) params.set(name, v);
  }
  return params;
}

/** `url` (base64) and `timeout` (seconds) required; `allowmethods` comma separated, default GET. */
export function parseShortcutParams(params: Map<string, string>): ShortcutSpec {
  const url = params.get('url');
  if (url === undefined || url.trim() === '') throw new ShortcutParamsError('Missing required argument url');
  const timeout = params.get('timeout')?.trim();
  if (timeout === undefined || timeout === '') throw new ShortcutParamsError('Missing required argument timeout');
  if (!/^\d{1,9}$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > MAX_TIMEOUT_S)
    throw new ShortcutParamsError(`timeout "${timeout.slice(0, 32)}" is not a positive whole number of seconds`);
  const methods: string[] = [];
  for (const item of (params.get('allowmethods') ?? '').split(',')) {
    const m = item.trim().toUpperCase();
    if (!m) continue;
    if (!SHORTCUT_METHODS.has(m))
      throw new ShortcutParamsError(`allowmethods names an unknown HTTP method "${item.trim().slice(0, 32)}" (known: ${[...SHORTCUT_METHODS].join(', ')})`);
    if (!methods.includes(m)) methods.push(m);
  }
  try {
    const target = parseShortcutUrl(decodeShortcutBase64(url));
    return { ...target, methods: methods.length ? methods : ['GET'], timeoutMs: Number(timeout) * 1000 };
  } catch (err) {
    if (err instanceof ShortcutUrlError) throw new ShortcutParamsError(err.reason);
    throw err;
  }
}

import type { TetherProcess } from './tether-process.fixture';

/**
 * Like TetherProcess.waitForOutput, but only looks at what the process printed after `since`
 * (an `output.length` taken earlier), so a line from before an event cannot satisfy the wait.
 */
export async function waitForOutputSince(
  proc: TetherProcess,
  since: number,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const m = proc.output.slice(since).match(pattern);
    if (m) return m;
    if (!proc.running) throw new Error(`tether ${proc.args[0]} exited before printing ${pattern}:\n${proc.output}`);
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from tether ${proc.args[0]}:\n${proc.output.slice(since)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How often `pattern` occurs in what the process printed after `since`. */
export function countSince(proc: TetherProcess, since: number, pattern: RegExp): number {
  const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
  return (proc.output.slice(since).match(new RegExp(pattern.source, flags)) ?? []).length;
}

/** A RegExp that matches `text` literally (ports, MACs, server lists in log lines). */
export function literal(text: string, flags = ''): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags);
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DebugListener } from '@tether/cluster';
import { formatLogLine } from '@tether/telemetry';
import { AdminCgi } from '../admin/admin-cgi';
import { replyFailure } from '../admin/admin-reply';
import { CONTROL_DEPS, ControlDeps } from '../control.deps';
import { parseDebugQuery } from './debug-query';

/** A reader this far behind loses lines (counted and said) rather than growing control's memory. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * debug.cgi (reference 3.7): a continuous log in the O3C line format from every process of the
 * cluster, filtered by level and by device connection, until the caller goes away.
 */
@Injectable()
export class DebugCgi implements AdminCgi, OnApplicationShutdown {
  readonly path = '/admin/debug.cgi';
  private readonly open = new Set<() => void>();

  constructor(@Inject(CONTROL_DEPS) private readonly deps: ControlDeps) {}

  /** Streams open now (tests check that none leaks). */
  get streams(): number {
    return this.open.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const q = parseDebugQuery(url.searchParams, this.deps.live.current.loglevel);
    if ('error' in q) return replyFailure(res, 400, q.error);
    let dropped = 0;
    const listener = new DebugListener({
      bus: this.deps.bus,
      clock: this.deps.clock,
      level: q.level,
      client: q.client,
      onRecord: (r) => {
        if (res.writableLength > MAX_BUFFERED) {
          dropped++;
          return;
        }
        if (dropped) {
          res.write(`[${dropped} log lines dropped: the reader was too slow]\n`);
          dropped = 0;
        }
        res.write(formatLogLine(r) + '\n');
      },
    });
    const end = () => {
      if (!this.open.delete(end)) return;
      void listener.stop();
      if (!res.writableEnded) res.end();
    };
    this.open.add(end);
    res.on('close', end);
    // Headers at once: the caller sees the stream is open before the first line, which may take long.
    res.socket?.setNoDelay(true);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    try {
      await listener.start();
    } catch (err) {
      res.destroy(err as Error);
    }
  }

  onApplicationShutdown(): void {
    for (const end of [...this.open]) end();
  }
}

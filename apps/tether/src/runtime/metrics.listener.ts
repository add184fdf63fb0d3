import * as http from 'node:http';
import { ConfigHolder, ListenAddress, boundAddress, formatListen, guardListener, listenOn } from '@tether/config';
import { basicAuthMatches } from '@tether/protocol';
import type { Logger, TetherMetrics } from '@tether/telemetry';

/**
 * listen_metrics: `GET /metrics`, the Prometheus text of this process. Basic auth when
 * metrics_credentials is set (read at each scrape: the key is live); a scrape never touches Redis
 * or other processes, so it stays cheap and answers even when the cluster is unwell.
 */
export class MetricsListener {
  private server?: http.Server;

  constructor(
    private readonly live: ConfigHolder,
    private readonly metrics: TetherMetrics,
    private readonly log: Logger,
  ) {}

  address(): ListenAddress | null {
    return boundAddress(this.server);
  }

  async start(): Promise<void> {
    const config = this.live.current;
    const listen = config.listen_metrics;
    if (!listen) return;
    guardListener('listen_metrics', listen, 'metrics_credentials', config);
    this.server = http.createServer((req, res) => {
      req.resume();
      this.answer(req, res).catch((err: Error) => {
        this.log.error(`/metrics: ${err.message}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error\n');
        else res.destroy();
      });
    });
    await listenOn(this.server, listen);
    this.log.notice(`listen_metrics on ${formatListen(this.address())}`);
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const want = this.live.current.metrics_credentials;
    if (want && !basicAuthMatches(req.headers.authorization, want)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tether metrics"', 'Content-Type': 'text/plain' });
      return void res.end('Unauthorized\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return void res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method Not Allowed\n');
    }
    const text = await this.metrics.exposition();
    if (!text) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    res.writeHead(200, { 'Content-Type': text.contentType, 'Cache-Control': 'no-store' });
    res.end(text.body); // node leaves the body out for HEAD
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    this.server.closeAllConnections();
  }
}

import * as http from 'node:http';

export interface ProxyResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request through the proxy the way a VMS written in Node would send it: absolute-form URL. */
export function viaProxy(
  proxyPort: number,
  url: string,
  opts: { method?: string; body?: Buffer; headers?: http.OutgoingHttpHeaders; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: opts.method ?? 'GET',
      path: url,
      headers: opts.headers,
      agent: opts.agent,
      timeout: opts.timeoutMs ?? 60_000,
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(opts.body);
  });
}

// The scheduler's /metrics endpoint for Prometheus to scrape: GET /metrics renders the text
// on each request, anything else is 404 or 405. It listens on loopback unless told otherwise
// (job ids and schedules are nobody else's business), and a render that fails answers 500
// while the server keeps serving.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE } from './metrics.js';

export interface MetricsServerOptions {
  /** 0: any free port (the one taken is in the result). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  render: () => Promise<string>;
}

export interface MetricsServer {
  port: number;
  /** Stops listening and drops open connections (a scraper's keep-alive). */
  close(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => void answer(req, res, opts.render));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    throw new Error(`the metrics server cannot listen on ${host}:${opts.port}: ${err.message}`);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, render: () => Promise<string>): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') return reply(res, 404, `no such page: ${path}; the metrics are at /metrics\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return reply(res, 405, `${req.method} is not allowed on /metrics; use GET\n`, { Allow: 'GET, HEAD' });
  let text: string;
  try {
    text = await render();
  } catch (err) {
    return reply(res, 500, `cannot render the metrics: ${(err as Error).message}\n`);
  }
  reply(res, 200, text, { 'Content-Type': METRICS_CONTENT_TYPE });
}

function reply(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

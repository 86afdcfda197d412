// The HTTP(S) transport the object-store backends share (swift, s3): one keep-alive agent per
// endpoint, an idle timeout on every request and on every wait for response data, `--insecure`,
// and `--proxy` (an http:// proxy: plain requests in absolute form, https through CONNECT).
// Backends turn statuses into StorageFaults themselves; `netFaultKind` classifies socket errors.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { usageError } from '../base/errors.js';
import type { FaultKind } from './storage.js';

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no response for ${Math.round(ms / 1000)} s`);
  }
}

/** Socket errors worth another try. ENOTFOUND (a mistyped host) and TLS failures are not. */
const RETRYABLE_NET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

export function netFaultKind(err: unknown): FaultKind {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return RETRYABLE_NET.has(code) || err instanceof TimeoutError ? 'retryable' : 'permanent';
}

/** `message (CODE)` for a socket error, without repeating a code the message already names. */
export function netErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  return `${e?.message ?? String(err)}${code && !String(e?.message).includes(code) ? ` (${code})` : ''}`;
}

/** The response body as it arrives, with an idle limit that counts only while we wait for data. */
export async function* pull(res: http.IncomingMessage, idleMs: number): AsyncGenerator<Buffer> {
  const it = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const e = new TimeoutError(idleMs);
          res.destroy(e);
          reject(e);
        }, idleMs);
      });
      let r: IteratorResult<Buffer>;
      try {
        r = await Promise.race([it.next(), idle]);
      } finally {
        clearTimeout(timer);
      }
      if (r.done) break;
      yield r.value;
    }
    if (!res.complete) throw Object.assign(new Error('the connection closed before the whole response arrived'), { code: 'ECONNRESET' });
  } finally {
    if (!res.complete) res.destroy();
  }
}

/** A whole (small) response body; more than `limit` bytes is an error. */
export async function readAll(res: http.IncomingMessage, idleMs: number, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of pull(res, idleMs)) {
    n += c.length;
    if (n > limit) {
      res.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks, n);
}

export interface HttpClientOptions {
  /** Idle limit of one request, ms (default 120 s). */
  timeoutMs?: number;
  /** https: do not verify the server's certificate. */
  insecure?: boolean;
  /** `http://host:port` of a proxy. */
  proxy?: string;
  /** PEM CA bundle for https (instead of the system's). */
  ca?: Buffer;
  /** Connections kept per origin (default 16). */
  maxSockets?: number;
}

export interface HttpRequest {
  method: string;
  /** An absolute URL. */
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** Checks a `--proxy` value; returns its URL. */
export function parseProxy(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`invalid value for --proxy: "${value}" is not a URL (http://host:port expected)`);
  }
  if (url.protocol !== 'http:') throw usageError(`invalid value for --proxy: "${value}" (an http:// proxy expected)`);
  return url;
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const userPass = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(userPass).toString('base64')}` };
}

/** Opens a CONNECT tunnel through the proxy, then TLS to the target inside it. */
class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const target = `${options.host}:${options.port ?? 443}`;
    const headers: Record<string, string> = { host: target, ...proxyAuthorization(this.proxy) };
    const req = http.request({ hostname: this.proxy.hostname, port: this.proxy.port || 80, method: 'CONNECT', path: target, headers });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback?.(
          Object.assign(new Error(`the proxy ${this.proxy.host} refused CONNECT ${target}: HTTP ${res.statusCode}`), { code: 'EPROXY' }),
          socket,
        );
        return;
      }
      const o = options as tls.ConnectionOptions;
      callback?.(null, tls.connect({ ...o, socket, servername: o.servername ?? options.host ?? undefined }));
    });
    req.once('error', (err) => callback?.(err, req.socket!));
    req.end();
    return undefined;
  }
}

export class HttpClient {
  readonly timeoutMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: http.Agent;
  private readonly proxy: URL | null;

  constructor(opts: HttpClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.proxy = opts.proxy ? parseProxy(opts.proxy) : null;
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 16, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOptions);
    const tlsOptions = { ...agentOptions, rejectUnauthorized: !opts.insecure, ...(opts.ca ? { ca: opts.ca } : {}) };
    this.httpsAgent = this.proxy ? new TunnelAgent(this.proxy, tlsOptions) : new https.Agent(tlsOptions);
  }

  /** Sends a request; resolves when the response headers arrive (body unread), rejects on socket errors. */
  request(r: HttpRequest): Promise<http.IncomingMessage> {
    const https_ = r.url.protocol === 'https:';
    const viaProxy = this.proxy && !https_;
    const headers: Record<string, string> = { host: r.url.host, ...(viaProxy ? proxyAuthorization(this.proxy) : {}), ...r.headers };
    if (r.body && headers['content-length'] === undefined) headers['content-length'] = String(r.body.length);
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (https_ ? https : http).request({
        protocol: viaProxy ? 'http:' : r.url.protocol,
        hostname: (viaProxy ? this.proxy : r.url).hostname.replace(/^\[|\]$/g, ''),
        port: (viaProxy ? this.proxy.port || 80 : r.url.port) || undefined,
        method: r.method,
        // A proxy takes the request line in absolute form.
        path: viaProxy ? r.url.href : `${r.url.pathname}${r.url.search}`,
        headers,
        agent: https_ ? this.httpsAgent : this.httpAgent,
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new TimeoutError(this.timeoutMs)));
      req.once('response', (res) => {
        req.setTimeout(0);
        resolve(res);
      });
      req.once('error', reject);
      req.end(r.body ?? undefined);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

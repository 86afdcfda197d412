// JSON over node:http/https for the Freezer API and Keystone. Not fetch: freezer-api's list
// endpoints take their search filter as the body of a GET, which fetch/undici refuse to send.
// An answer that is not a success becomes a FreezerApiError carrying freezer-api's
// {title, description} and whether trying again later can help.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface HttpJsonOptions {
  /** Longest silence of the server (while connecting or between bytes) before the request fails. */
  timeoutMs: number;
  /** TLS certificates are not checked (freezer-scheduler's --insecure). */
  insecure: boolean;
  /** PEM file of the CAs that sign the server's certificate (--os-cacert). */
  caFile?: string;
}

export interface JsonResponse {
  method: string;
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The parsed body; null when empty, the raw text when it is not JSON. */
  body: unknown;
}

/** Network failures that a later attempt may not meet (the server restarting, a dropped connection). */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

export class FreezerApiError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came (connection refused, reset, timed out). */
    readonly status: number,
    readonly title: string,
    readonly description: string,
    /** Trying again later may succeed: no answer, 5xx, 429. */
    readonly retryable: boolean,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    // freezerclient says "[*] Error <code>: <description>"; the request is named as well.
    super(status ? `Error ${status}: ${description} (${method} ${url})` : `${description} (${method} ${url})`, options);
    this.name = 'FreezerApiError';
  }
}

/** The error for an answer that is not what was expected, from freezer-api's or Keystone's error body. */
export function errorFromResponse(res: JsonResponse): FreezerApiError {
  let title = http.STATUS_CODES[res.status] ?? `HTTP ${res.status}`;
  let description = title;
  const b = res.body;
  if (b && typeof b === 'object') {
    // freezer-api: {"title", "description"}; keystone(middleware): {"error": {"title", "message"}}
    const flat = b as { title?: unknown; description?: unknown; error?: { title?: unknown; message?: unknown } };
    if (typeof flat.title === 'string') title = flat.title;
    if (typeof flat.description === 'string') description = flat.description;
    else if (typeof flat.title === 'string') description = flat.title;
    if (flat.error && typeof flat.error === 'object') {
      if (typeof flat.error.title === 'string') title = flat.error.title;
      if (typeof flat.error.message === 'string') description = flat.error.message;
    }
  } else if (typeof b === 'string' && b.trim()) {
    description = b.trim().slice(0, 300);
  }
  const retryable = res.status >= 500 && res.status < 600 ? true : res.status === 429;
  return new FreezerApiError(res.status, title, description, retryable, res.method, res.url);
}

function parseBody(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class HttpJson {
  private readonly ca: Buffer | undefined;

  constructor(readonly options: HttpJsonOptions) {
    this.ca = options.caFile ? fs.readFileSync(options.caFile) : undefined;
  }

  /** One request; `body` is sent as JSON (also on GET). Rejects only when no answer came. */
  request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const target = new URL(url);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const allHeaders: Record<string, string> = { accept: 'application/json', ...headers };
    if (payload) {
      allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = String(payload.length);
    }
    const tls = target.protocol === 'https:';
    if (!tls && target.protocol !== 'http:') {
      return Promise.reject(new FreezerApiError(0, 'Bad URL', `unsupported URL scheme ${target.protocol}`, false, method, url));
    }
    return new Promise<JsonResponse>((resolve, reject) => {
      const fail = (err: Error & { code?: string }) => {
        const code = err.code ?? '';
        const what = code === 'ETIMEDOUT' ? `no answer within ${this.options.timeoutMs} ms` : `${code ? code + ': ' : ''}${err.message}`;
        reject(
          new FreezerApiError(0, 'No answer', `cannot reach ${target.origin}: ${what}`, RETRYABLE_CODES.has(code), method, url, {
            cause: err,
          }),
        );
      };
      const req = (tls ? https : http).request(
        target,
        {
          method,
          headers: allHeaders,
          timeout: this.options.timeoutMs,
          ...(tls ? { rejectUnauthorized: !this.options.insecure, ca: this.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () =>
            resolve({
              method,
              url,
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parseBody(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        },
      );
      // `timeout` only reports idleness; the request is ended here so it fails like a refused one
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      req.end(payload);
    });
  }
}

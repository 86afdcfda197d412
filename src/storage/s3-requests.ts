// The requests of one S3 bucket: path-style URLs (`<endpoint>/<bucket>/<key>`), signed with
// SigV4 over the real SHA-256 of the body and sent with its Content-MD5, so the server checks
// every byte before storing it. A non-2xx answer becomes an S3Fault that names the operation,
// the storage path, S3's code and message, and the option to change when there is one.
import type http from 'node:http';
import { webcrypto } from 'node:crypto';
import { native } from '../native.js';
import { HttpClient, netErrorText, netFaultKind, readAll } from './http.js';
import { EMPTY_SHA256, SigV4Credentials, amzDate, canonicalQuery, encodePath, signV4 } from './sigv4.js';
import { xmlText } from './s3-xml.js';
import { S3Fault, classify, hintFor } from './s3-faults.js';

/** Largest error or listing body we read into memory. */
const MAX_XML_BODY = 16 * 1024 * 1024;

/** MD5 of a body, on the libuv pool: a segment's hash would stall the main thread. */
export const bodyMd5 = (b: Buffer) => native.md5([b]);
/** SHA-256 on the libuv pool: a 32 MiB part does not hold up the main thread. */
const sha256Hex = async (b: Buffer) =>
  b.length === 0 ? EMPTY_SHA256 : Buffer.from(await webcrypto.subtle.digest('SHA-256', b)).toString('hex');

export interface S3Call {
  method: string;
  /** Object key, or null for a bucket-level request. */
  key: string | null;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** MD5 of `body` when the caller has it already. */
  md5?: Buffer;
  /** For messages: `write`, `read`, `list`… and the storage path. */
  what: string;
  path: string;
}

/** What a message says the failed call was. */
export type CallName = Pick<S3Call, 'what' | 'path'>;

export class S3Requests {
  /**
   * @param endpoint - `http(s)://host[:port]`, with `basePath` (no trailing slash) before the bucket
   * @param name - the store's name, which every fault message starts with
   */
  constructor(
    private readonly endpoint: URL,
    private readonly basePath: string,
    private readonly bucket: string,
    private readonly cred: SigV4Credentials,
    readonly http: HttpClient,
    private readonly name: string,
  ) {}

  fault(c: CallName, status: number, code: string, message: string, cause?: unknown): S3Fault {
    const kind = classify(status, code);
    const tail = [code ? `HTTP ${status}` : '', hintFor(status, code)].filter(Boolean).join('; ');
    const detail = `${code || `HTTP ${status}`}${message ? `: ${message}` : ''}${tail ? ` (${tail})` : ''}`;
    return new S3Fault(kind, `${this.name}: cannot ${c.what} ${c.path || '/'}: ${detail}`, status, code, { cause });
  }

  netFault(c: CallName, err: unknown): S3Fault {
    const code = (err as NodeJS.ErrnoException)?.code ?? '';
    return new S3Fault(netFaultKind(err), `${this.name}: cannot ${c.what} ${c.path || '/'}: ${netErrorText(err)}`, 0, code, { cause: err });
  }

  /** Sends a signed request; resolves with a 2xx response (body unread), rejects with a fault. */
  async send(c: S3Call): Promise<http.IncomingMessage> {
    const body = c.body ?? null;
    const payloadHash = body ? await sha256Hex(body) : EMPTY_SHA256;
    const path = `${this.basePath}/${this.bucket}${c.key === null ? '' : `/${encodePath(c.key)}`}`;
    const query = c.query ?? [];
    const qs = canonicalQuery(query);
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      'x-amz-date': amzDate(new Date()),
      'x-amz-content-sha256': payloadHash,
      ...c.headers,
    };
    if (body) headers['content-md5'] = (c.md5 ?? (await bodyMd5(body))).toString('base64');
    const { authorization } = signV4({ method: c.method, path, query, headers, payloadHash }, this.cred);
    const sent: Record<string, string> = { ...headers, authorization };
    if (body || c.method === 'PUT' || c.method === 'POST') sent['content-length'] = String(body?.length ?? 0);

    // `path` and `qs` are already in canonical (percent-encoded) form, which URL keeps as is.
    const url = new URL(`${this.endpoint.origin}${path}${qs ? `?${qs}` : ''}`);
    let res: http.IncomingMessage;
    try {
      res = await this.http.request({ method: c.method, url, headers: sent, body: body ?? undefined });
    } catch (err) {
      throw this.netFault(c, err);
    }
    if (res.statusCode! >= 200 && res.statusCode! < 300) return res;
    throw await this.errorOf(c, res);
  }

  /** A request whose response body is small (XML or empty): returns it whole. */
  async exchange(c: S3Call): Promise<{ res: http.IncomingMessage; xml: string }> {
    const res = await this.send(c);
    try {
      return { res, xml: (await readAll(res, this.http.timeoutMs, MAX_XML_BODY)).toString('utf8') };
    } catch (err) {
      throw this.netFault(c, err);
    }
  }

  private async errorOf(c: S3Call, res: http.IncomingMessage): Promise<S3Fault> {
    const status = res.statusCode!;
    let xml = '';
    if (c.method !== 'HEAD') xml = (await readAll(res, this.http.timeoutMs, 1 << 20).catch(() => Buffer.alloc(0))).toString('utf8');
    else res.resume();
    const code = xmlText(xml, 'Code') ?? (status === 404 ? 'NotFound' : '');
    const message = xmlText(xml, 'Message') ?? (c.method === 'HEAD' ? (res.statusMessage ?? '') : xml.trim().slice(0, 200));
    return this.fault(c, status, code, message);
  }
}

// S3 storage (`--storage s3`): path-style requests (`<endpoint>/<bucket>/<key>`) signed with
// SigV4, over keep-alive HTTP(S). `--container` is `bucket[/prefix]` as in Freezer; an object's
// key is the prefix plus its storage path. Backup data is one multipart upload, one part per
// segment.
//
// Integrity: every body is signed with its real SHA-256 (computed on the libuv pool, so the
// main thread only routes Buffers) and sent with Content-MD5. The server checks both before
// storing (AWS and Swift's s3api reject a body that does not match), and we compare the ETag
// it returns with our MD5 (per part, and the multipart ETag MD5-of-MD5s after completing), so
// a part damaged anywhere between our Buffer and the disk is caught at upload time.
// UNSIGNED-PAYLOAD would leave only TLS (absent on plain http endpoints) to protect the data.
//
// Create-only: objects and multipart completions are sent with `If-None-Match: *` (AWS S3,
// MinIO, Ceph RGW refuse a taken name with 412); what is there is ours only when its ETag is
// ours (a retry whose first answer was lost). A server that does not implement conditional
// writes (Swift's s3api answers 501) is checked with a HEAD just before the write instead:
// that leaves a window between the two, which only the chain lock closes, and it is said
// once (`onNotice`).
//
// No retries here: `retry.ts` retries what `fault` classifies as retryable. Every operation
// is idempotent: a retried part replaces itself, a retried completion that finds its upload
// already completed checks the object instead. The transport (keep-alive, timeouts, proxy,
// CA, --insecure) is the one swift uses too: `http.ts`.
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import { createHash, webcrypto } from 'node:crypto';
import { usageError } from '../base/errors.js';
import { native } from '../native.js';
import { HttpClient, netErrorText, netFaultKind, pull, readAll } from './http.js';
import { FaultKind, ObjectStat, ObjectStore, PartUpload, PutObjectOptions, StorageFault, checkObjectPath, isStorageFault } from './storage.js';
import { EMPTY_SHA256, SigV4Credentials, amzDate, canonicalQuery, encodePath, signV4 } from './sigv4.js';

const MiB = 1024 * 1024;
/** S3's smallest part but the last. */
export const S3_MIN_PART_SIZE = 5 * MiB;
/** S3's part-number limit (Swift's s3api defaults to 1000; it says so when exceeded). */
const MAX_PART_NUMBER = 10_000;
/** Keys per DeleteObjects request (the S3 maximum). */
const DELETE_BATCH = 1000;
/** Reads are handed on in chunks of about this size (as the local store does). */
const READ_CHUNK = MiB;
/** Largest error or listing body we read into memory. */
const MAX_XML_BODY = 16 * MiB;

/** S3 error codes that name a transient condition, whatever their HTTP status. */
const RETRYABLE_CODES = new Set([
  'SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException',
  'RequestLimitExceeded', 'OperationAborted', 'RequestTimeTooSkewed',
  // The body was damaged on the way: another try sends it again.
  'BadDigest', 'XAmzContentSHA256Mismatch', 'IncompleteBody',
  // Two conditional writes of one key at once (AWS): the retry sees which one won.
  'ConditionalRequestConflict',
]);

/** A StorageFault that also carries what S3 said. */
export class S3Fault extends StorageFault {
  constructor(fault: FaultKind, message: string, readonly httpStatus: number, readonly s3Code: string, options?: { cause?: unknown }) {
    super(fault, message, options);
    this.name = 'S3Fault';
  }
}

export function classify(status: number, code: string): FaultKind {
  if (RETRYABLE_CODES.has(code)) return 'retryable';
  if (status === 404 || code === 'NoSuchKey' || code === 'NoSuchBucket' || code === 'NoSuchUpload') return 'not-found';
  if (status === 412 || code === 'PreconditionFailed') return 'exists'; // If-None-Match: *
  if (status >= 500 || status === 429 || status === 408) return 'retryable';
  return 'permanent';
}

/** What the user can change when S3's own text cannot name our options. */
function hintFor(status: number, code: string): string {
  if (code === 'SignatureDoesNotMatch') return 'check --secret-key';
  if (code === 'InvalidAccessKeyId') return 'check --access-key';
  if (code === 'AuthorizationHeaderMalformed') return 'set the region with AWS_REGION; the default is us-east-1';
  // A HEAD answer has no body, so no S3 code says which.
  if (!code && status === 403) return 'wrong --access-key or --secret-key, or no access to the bucket';
  return '';
}

// ------------------------------------------------------------------------------ tiny XML reader

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e]);
}

export const xmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);

/** Raw inner text of every `<tag>…</tag>` (or `<tag/>`) in `xml`, in order; no nesting of the same tag. */
export function xmlAll(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}

/** Decoded text of the first `<tag>` in `xml`, or undefined. */
export const xmlText = (xml: string, tag: string): string | undefined => {
  const all = xmlAll(xml, tag);
  return all.length ? xmlDecode(all[0]) : undefined;
};

// ------------------------------------------------------------------------------ names

/**
 * Why S3 would refuse `name` as a bucket (3-63 of a-z 0-9 . -, starting and ending with a
 * letter or digit, no `..`, not an IP address), or null when it is fine.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'it must be 3 to 63 characters long';
  if (/[^a-z0-9.-]/.test(name)) return 'only lower-case letters, digits, "." and "-" are allowed';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'it must begin and end with a letter or a digit';
  if (name.includes('..')) return 'it must not contain ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'it must not look like an IP address';
  return null;
}

/** `bucket[/prefix]` of `--container`; the prefix without leading or trailing slashes. */
export function parseContainer(container: string): { bucket: string; prefix: string } {
  const parts = container.split('/').filter((c) => c !== '');
  const bucket = parts.shift() ?? '';
  const problem = bucketNameProblem(bucket);
  if (problem) {
    throw usageError(`invalid value for --container: "${container}": S3 bucket name "${bucket}" is not valid (${problem}); use --container BUCKET[/PREFIX]`);
  }
  if (parts.some((c) => c === '.' || c === '..')) throw usageError(`invalid value for --container: "${container}" (no "." or ".." components)`);
  return { bucket, prefix: parts.join('/') };
}

// ------------------------------------------------------------------------------ HTTP helpers

const md5 = (b: Buffer) => createHash('md5').update(b).digest();
/** MD5 of a body, on the libuv pool: a segment's hash would stall the main thread. */
const bodyMd5 = (b: Buffer) => native.md5([b]);
/** SHA-256 on the libuv pool: a 32 MiB part does not hold up the main thread. */
const sha256Hex = async (b: Buffer) => (b.length === 0 ? EMPTY_SHA256 : Buffer.from(await webcrypto.subtle.digest('SHA-256', b)).toString('hex'));
const unquote = (etag: string | undefined) => (etag ?? '').replace(/^(W\/)?"|"$/g, '');
/** An ETag we can check: the MD5 of a plain object, or MD5-of-MD5s plus part count. */
const isMd5Etag = (e: string) => /^[0-9a-f]{32}(-\d+)?$/.test(e);

interface Call {
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

export interface S3StoreOptions {
  /** `http(s)://host[:port][/base]` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** `bucket[/prefix]` */
  container: string;
  /** Idle limit of one request, ms (default 120 s). */
  timeoutMs?: number;
  /** https: do not verify the server's certificate. */
  insecure?: boolean;
  /** `http://host:port` of a proxy. */
  proxy?: string;
  /** PEM CA bundle for https (instead of the system's). */
  ca?: Buffer;
  /** Connections kept per endpoint (default 16). */
  maxSockets?: number;
  /** Told once when the server cannot do conditional (create-only) writes. */
  onNotice?: (message: string) => void;
}

const IF_ABSENT = { 'if-none-match': '*' };

/** The server refused the If-None-Match header itself (not the write). */
const conditionUnsupported = (err: unknown) => err instanceof S3Fault && err.httpStatus === 501 && err.s3Code === 'NotImplemented';

export class S3Store implements ObjectStore {
  readonly name: string;
  readonly minPartSize = S3_MIN_PART_SIZE;
  readonly anySizeParts = false;
  readonly checksPartMd5 = true;
  readonly bucket: string;
  readonly prefix: string;
  private readonly url: URL;
  private readonly basePath: string;
  private readonly http: HttpClient;
  private readonly cred: SigV4Credentials;
  private bucketReady: Promise<void> | null = null;
  /** Whether If-None-Match works here: unknown until the first create-only write. */
  private conditional: boolean | null = null;
  private readonly onNotice?: (message: string) => void;

  constructor(o: S3StoreOptions) {
    this.onNotice = o.onNotice;
    let url: URL;
    try { url = new URL(o.endpoint); } catch { throw usageError(`invalid value for --endpoint: "${o.endpoint}" is not a URL (http://host:port or https://host)`); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`invalid value for --endpoint: "${o.endpoint}" (http:// or https:// expected)`);
    if (url.search || url.hash || url.username) throw usageError(`invalid value for --endpoint: "${o.endpoint}" (no query, fragment or credentials in the URL)`);
    this.url = url;
    this.basePath = url.pathname.replace(/\/+$/, '');
    ({ bucket: this.bucket, prefix: this.prefix } = parseContainer(o.container));
    this.cred = { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, region: o.region || 'us-east-1', service: 's3' };
    this.http = new HttpClient({ timeoutMs: o.timeoutMs, insecure: o.insecure, proxy: o.proxy, ca: o.ca, maxSockets: o.maxSockets });
    this.name = `s3:${url.origin}${this.basePath}/${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  private key(p: string): string {
    checkObjectPath(p);
    return this.prefix ? `${this.prefix}/${p}` : p;
  }

  /** The key prefix under which the children of storage path `p` ('' = the container) live. */
  private dirKey(p: string): string {
    if (p === '') return this.prefix ? `${this.prefix}/` : '';
    return `${this.key(p)}/`;
  }

  private fault(c: Pick<Call, 'what' | 'path'>, status: number, code: string, message: string, cause?: unknown): S3Fault {
    const kind = classify(status, code);
    const tail = [code ? `HTTP ${status}` : '', hintFor(status, code)].filter(Boolean).join('; ');
    const detail = `${code || `HTTP ${status}`}${message ? `: ${message}` : ''}${tail ? ` (${tail})` : ''}`;
    return new S3Fault(kind, `${this.name}: cannot ${c.what} ${c.path || '/'}: ${detail}`, status, code, { cause });
  }

  private netFault(c: Pick<Call, 'what' | 'path'>, err: unknown): S3Fault {
    const code = (err as NodeJS.ErrnoException)?.code ?? '';
    return new S3Fault(netFaultKind(err), `${this.name}: cannot ${c.what} ${c.path || '/'}: ${netErrorText(err)}`, 0, code, { cause: err });
  }

  /** Sends a signed request; resolves with a 2xx response (body unread), rejects with a fault. */
  private async send(c: Call): Promise<http.IncomingMessage> {
    const body = c.body ?? null;
    const payloadHash = body ? await sha256Hex(body) : EMPTY_SHA256;
    const path = `${this.basePath}/${this.bucket}${c.key === null ? '' : `/${encodePath(c.key)}`}`;
    const query = c.query ?? [];
    const qs = canonicalQuery(query);
    const headers: Record<string, string> = {
      host: this.url.host,
      'x-amz-date': amzDate(new Date()),
      'x-amz-content-sha256': payloadHash,
      ...c.headers,
    };
    if (body) headers['content-md5'] = (c.md5 ?? (await bodyMd5(body))).toString('base64');
    const { authorization } = signV4({ method: c.method, path, query, headers, payloadHash }, this.cred);
    const sent: Record<string, string> = { ...headers, authorization };
    if (body || c.method === 'PUT' || c.method === 'POST') sent['content-length'] = String(body?.length ?? 0);

    // `path` and `qs` are already in canonical (percent-encoded) form, which URL keeps as is.
    const url = new URL(`${this.url.origin}${path}${qs ? `?${qs}` : ''}`);
    let res: http.IncomingMessage;
    try {
      res = await this.http.request({ method: c.method, url, headers: sent, body: body ?? undefined });
    } catch (err) {
      throw this.netFault(c, err);
    }
    if (res.statusCode! >= 200 && res.statusCode! < 300) return res;
    throw await this.errorOf(c, res);
  }

  private async errorOf(c: Call, res: http.IncomingMessage): Promise<S3Fault> {
    const status = res.statusCode!;
    let xml = '';
    if (c.method !== 'HEAD') xml = (await readAll(res, this.http.timeoutMs, 1 << 20).catch(() => Buffer.alloc(0))).toString('utf8');
    else res.resume();
    const code = xmlText(xml, 'Code') ?? (status === 404 ? 'NotFound' : '');
    const message = xmlText(xml, 'Message') ?? (c.method === 'HEAD' ? res.statusMessage ?? '' : xml.trim().slice(0, 200));
    return this.fault(c, status, code, message);
  }

  /** A request whose response body is small (XML or empty): returns it whole. */
  private async exchange(c: Call): Promise<{ res: http.IncomingMessage; xml: string }> {
    const res = await this.send(c);
    try {
      return { res, xml: (await readAll(res, this.http.timeoutMs, MAX_XML_BODY)).toString('utf8') };
    } catch (err) {
      throw this.netFault(c, err);
    }
  }

  /** Faults that mean "not there" become permanent in writes: a missing upload cannot be retried into existence. */
  private asWriteFault(err: unknown): unknown {
    if (err instanceof S3Fault && err.fault === 'not-found') return new S3Fault('permanent', err.message, err.httpStatus, err.s3Code, { cause: err });
    return err;
  }

  /** Creates the bucket the first time something is written (so reads and dry runs create nothing). */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfAbsent().catch((err) => { this.bucketReady = null; throw err; });
    return this.bucketReady;
  }

  private async createBucketIfAbsent(): Promise<void> {
    const c = { what: 'use bucket', path: this.bucket };
    try {
      await this.exchange({ ...c, method: 'GET', key: null, query: [['list-type', '2'], ['max-keys', '0']] });
      return;
    } catch (err) {
      if (!(err instanceof S3Fault) || err.fault !== 'not-found') throw err;
    }
    const body = this.cred.region === 'us-east-1' ? undefined : Buffer.from(
      `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${xmlEscape(this.cred.region)}</LocationConstraint></CreateBucketConfiguration>`);
    try {
      await this.exchange({ what: 'create bucket', path: this.bucket, method: 'PUT', key: null, body });
    } catch (err) {
      if (err instanceof S3Fault && err.s3Code === 'BucketAlreadyOwnedByYou') return;
      throw this.asWriteFault(err);
    }
  }

  async putObject(p: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    const key = this.key(p);
    await this.ensureBucket();
    const digest = await bodyMd5(data);
    const createOnly = !options?.overwrite;
    const write = (headers: Record<string, string>) => {
      const c: Call = { what: 'write', path: p, method: 'PUT', key, body: data, md5: digest, headers: { 'content-type': 'application/octet-stream', ...headers } };
      return this.exchange(c).then(({ res }) => this.checkEtag(c, res.headers.etag, digest.toString('hex')));
    };
    try {
      await this.createOnly(p, createOnly, write, (there) => there.etag === digest.toString('hex'));
    } catch (err) {
      throw this.asWriteFault(err);
    }
  }

  /**
   * Runs `write` so that it cannot replace an object: with If-None-Match where the server has
   * it, else after a HEAD that finds nothing. A taken name is an `exists` fault unless
   * `isOurs` recognises the object there.
   */
  private async createOnly(p: string, createOnly: boolean, write: (headers: Record<string, string>) => Promise<unknown>,
    isOurs: (there: { size: number; etag: string }) => boolean): Promise<void> {
    const taken = async (err: unknown) => {
      const there = await this.head(p);
      if (there && isOurs(there)) return;
      throw err;
    };
    if (!createOnly) { await write({}); return; }
    if (this.conditional !== false) {
      try {
        await write(IF_ABSENT);
        this.conditional = true;
        return;
      } catch (err) {
        if (err instanceof S3Fault && err.fault === 'exists') return taken(err);
        if (!conditionUnsupported(err)) throw err;
        this.conditional = false;
        this.onNotice?.(`${this.name}: this server does not do conditional writes (If-None-Match); each new object is checked with a HEAD first, and only the chain lock keeps two runs from writing one name at once`);
      }
    }
    if (await this.head(p)) return taken(new S3Fault('exists', `${this.name}: ${p} exists already; it was left as it is`, 412, 'PreconditionFailed'));
    await write({});
  }

  /** A server that returns an MD5 ETag other than ours stored something else: never retried into success. */
  private checkEtag(c: Pick<Call, 'what' | 'path'>, got: string | undefined, want: string): void {
    const etag = unquote(got);
    if (isMd5Etag(etag) && etag !== want) {
      throw new S3Fault('permanent', `${this.name}: cannot ${c.what} ${c.path}: the server stored ETag ${etag}, expected ${want} (data changed in transit)`, 0, 'ETagMismatch');
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    const key = this.key(p);
    await this.ensureBucket();
    if (await this.head(p)) throw new S3Fault('exists', `${this.name}: ${p} exists already; it was left as it is`, 412, 'PreconditionFailed');
    let uploadId: string;
    try {
      const { xml } = await this.exchange({ what: 'start the upload of', path: p, method: 'POST', key, query: [['uploads', '']], headers: { 'content-type': 'application/octet-stream' } });
      const id = xmlText(xml, 'UploadId');
      if (!id) throw new S3Fault('permanent', `${this.name}: cannot start the upload of ${p}: no UploadId in the answer`, 0, '');
      uploadId = id;
    } catch (err) {
      throw this.asWriteFault(err);
    }
    return new S3Upload(this, p, key, uploadId);
  }

  /** Used by S3Upload. */
  async uploadPart(p: string, key: string, uploadId: string, index: number, data: Buffer, md5?: Promise<Buffer>): Promise<{ etag: string; md5: Buffer }> {
    const n = index + 1;
    if (n > MAX_PART_NUMBER) throw new S3Fault('permanent', `${this.name}: cannot upload part ${n} of ${p}: S3 allows at most ${MAX_PART_NUMBER} parts; raise --max-segment-size`, 0, 'TooManyParts');
    const digest = await (md5 ?? bodyMd5(data));
    const c: Call = { what: `upload part ${n} of`, path: p, method: 'PUT', key, body: data, md5: digest, query: [['partNumber', String(n)], ['uploadId', uploadId]] };
    try {
      const { res } = await this.exchange(c);
      this.checkEtag(c, res.headers.etag, digest.toString('hex'));
      return { etag: res.headers.etag ?? `"${digest.toString('hex')}"`, md5: digest };
    } catch (err) {
      if (err instanceof S3Fault && err.s3Code === 'InvalidArgument' && n > 1000) {
        throw new S3Fault('permanent', `${err.message} (this server allows fewer parts: raise --max-segment-size)`, err.httpStatus, err.s3Code, { cause: err });
      }
      throw this.asWriteFault(err);
    }
  }

  /**
   * Used by S3Upload: CompleteMultipartUpload, create-only; checks the answer even when the
   * status is 200. `expected` is the multipart ETag ours will have (what is there when a retry
   * finds the name taken).
   */
  async completeUpload(p: string, key: string, uploadId: string, etags: string[], expected: string): Promise<string | undefined> {
    const body = Buffer.from(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${
      etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(e)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
    let etag: string | undefined;
    await this.createOnly(p, true, async (headers) => {
      const c: Call = { what: 'complete the upload of', path: p, method: 'POST', key, body, query: [['uploadId', uploadId]], headers };
      const { xml } = await this.exchange(c);
      const error = xmlAll(xml, 'Error')[0];
      if (error !== undefined) throw this.fault(c, 200, xmlText(error, 'Code') ?? 'InternalError', xmlText(error, 'Message') ?? '');
      if (!/<CompleteMultipartUploadResult[\s>]/.test(xml)) throw this.fault(c, 200, 'InternalError', `unexpected answer: ${xml.trim().slice(0, 200)}`);
      etag = xmlText(xml, 'ETag');
    }, (there) => there.etag === expected);
    return etag;
  }

  /** Used by S3Upload. Never throws. */
  async abortUpload(p: string, key: string, uploadId: string): Promise<void> {
    await this.exchange({ what: 'abort the upload of', path: p, method: 'DELETE', key, query: [['uploadId', uploadId]] }).catch(() => {});
  }

  private async head(p: string): Promise<{ size: number; etag: string } | null> {
    try {
      const res = await this.send({ what: 'stat', path: p, method: 'HEAD', key: this.key(p) });
      res.resume();
      return { size: Number(res.headers['content-length'] ?? 0), etag: unquote(res.headers.etag) };
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found') return null;
      throw err;
    }
  }

  /** Used by S3Upload: the object as it is now (after a completion). */
  headObject(p: string) { return this.head(p); }

  async *get(p: string, offset = 0): AsyncIterable<Buffer> {
    const c: Call = { what: 'read', path: p, method: 'GET', key: this.key(p), headers: offset > 0 ? { range: `bytes=${offset}-` } : {} };
    let res: http.IncomingMessage;
    try {
      res = await this.send(c);
    } catch (err) {
      // Resuming exactly at the end of the object (a read that failed after its last byte).
      if (err instanceof S3Fault && err.httpStatus === 416 && offset > 0) return;
      throw err;
    }
    if (offset > 0 && res.statusCode !== 206) {
      res.destroy();
      throw new S3Fault('permanent', `${this.name}: cannot read ${p} from byte ${offset}: the server ignored the Range header (HTTP ${res.statusCode})`, res.statusCode!, '');
    }
    const expected = res.headers['content-length'] === undefined ? -1 : Number(res.headers['content-length']);
    let got = 0;
    let pending: Buffer[] = [];
    let have = 0;
    try {
      for await (const chunk of pull(res, this.http.timeoutMs)) {
        got += chunk.length;
        pending.push(chunk);
        have += chunk.length;
        if (have >= READ_CHUNK) {
          yield pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
          pending = [];
          have = 0;
        }
      }
    } catch (err) {
      throw isStorageFault(err) ? err : this.netFault(c, err);
    }
    if (expected >= 0 && got !== expected) throw this.netFault(c, Object.assign(new Error(`the connection closed after ${got} of ${expected} bytes`), { code: 'ECONNRESET' }));
    if (have > 0) yield pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
  }

  async stat(p: string): Promise<ObjectStat | null> {
    const h = await this.head(p);
    return h ? { size: h.size } : null;
  }

  /** One page of ListObjectsV2 under `keyPrefix`. */
  private async listPage(keyPrefix: string, delimiter: boolean, token: string | undefined, forPath: string) {
    const query: Array<[string, string]> = [['list-type', '2'], ['prefix', keyPrefix]];
    if (delimiter) query.push(['delimiter', '/']);
    if (token) query.push(['continuation-token', token]);
    const { xml } = await this.exchange({ what: 'list', path: forPath, method: 'GET', key: null, query });
    return {
      keys: xmlAll(xml, 'Contents').map((b) => xmlText(b, 'Key') ?? ''),
      prefixes: xmlAll(xml, 'CommonPrefixes').map((b) => xmlText(b, 'Prefix') ?? ''),
      next: xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined,
    };
  }

  async list(prefix: string): Promise<string[]> {
    const keyPrefix = this.dirKey(prefix);
    const names = new Set<string>();
    let token: string | undefined;
    try {
      do {
        const page = await this.listPage(keyPrefix, true, token, prefix);
        for (const k of [...page.keys, ...page.prefixes]) {
          if (!k.startsWith(keyPrefix)) continue;
          const name = k.slice(keyPrefix.length).replace(/\/$/, '');
          if (name !== '' && !name.includes('/')) names.add(name);
        }
        token = page.next;
      } while (token);
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found') return []; // no bucket yet
      throw err;
    }
    return [...names].sort();
  }

  async remove(p: string): Promise<void> {
    const key = this.key(p);
    try {
      await this.deleteKeys([key], p);
      let token: string | undefined;
      do {
        const page = await this.listPage(`${key}/`, false, token, p);
        if (page.keys.length) await this.deleteKeys(page.keys, p);
        token = page.next;
      } while (token);
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found') return;
      throw err;
    }
  }

  /** DeleteObjects in batches; a key that is already gone counts as deleted. */
  private async deleteKeys(keys: string[], p: string): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const body = Buffer.from(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${
        batch.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join('')}</Delete>`);
      const c: Call = { what: 'remove', path: p, method: 'POST', key: null, query: [['delete', '']], body };
      const { xml } = await this.exchange(c);
      const failed = xmlAll(xml, 'Error')
        .map((e) => ({ key: xmlText(e, 'Key') ?? '', code: xmlText(e, 'Code') ?? '', message: xmlText(e, 'Message') ?? '' }))
        .filter((e) => e.code !== 'NoSuchKey');
      if (failed.length) {
        const f = failed[0];
        const kind = classify(0, f.code) === 'retryable' ? 'retryable' : 'permanent';
        throw new S3Fault(kind, `${this.name}: cannot remove ${p}: ${failed.length} key(s) not deleted, first ${f.key}: ${f.code}: ${f.message}`, 200, f.code);
      }
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** One multipart upload: part ETags kept by index, completion idempotent. */
class S3Upload implements PartUpload {
  private readonly parts: Array<{ etag: string; md5: Buffer } | undefined> = [];
  private completeSent = false;

  constructor(private readonly s3: S3Store, private readonly path: string, private readonly key: string, private readonly uploadId: string) {}

  async putPart(index: number, _offset: number, data: Buffer, md5?: Promise<Buffer>): Promise<void> {
    this.parts[index] = await this.s3.uploadPart(this.path, this.key, this.uploadId, index, data, md5);
  }

  async complete(count: number, size: number): Promise<void> {
    const parts = this.parts.slice(0, count);
    const missing = [...Array(count).keys()].filter((i) => !parts[i]);
    if (missing.length) throw new StorageFault('permanent', `${this.s3.name}: cannot complete the upload of ${this.path}: part(s) ${missing.map((i) => i + 1).join(', ')} not uploaded`);
    const expected = `${md5(Buffer.concat(parts.map((x) => x!.md5))).toString('hex')}-${count}`;
    let etag: string | undefined;
    try {
      const wasSent = this.completeSent;
      this.completeSent = true;
      try {
        etag = await this.s3.completeUpload(this.path, this.key, this.uploadId, parts.map((x) => x!.etag), expected);
      } catch (err) {
        // A retry after a completion whose answer was lost: the upload is gone, the object is there.
        if (!(wasSent && err instanceof S3Fault && err.s3Code === 'NoSuchUpload')) throw err;
      }
      const now = await this.s3.headObject(this.path);
      const fail = (why: string) => new StorageFault('permanent', `${this.s3.name}: upload of ${this.path} completed but ${why}`);
      if (!now) throw fail('the object is not there');
      if (now.size !== size) throw fail(`it holds ${now.size} bytes, not ${size}`);
      for (const e of [unquote(etag), now.etag]) {
        if (isMd5Etag(e) && e.includes('-') && e !== expected) throw fail(`its ETag is ${e}, expected ${expected} (data changed in transit)`);
      }
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found') throw new S3Fault('permanent', err.message, err.httpStatus, err.s3Code, { cause: err });
      throw err;
    }
  }

  async abort(): Promise<void> {
    await this.s3.abortUpload(this.path, this.key, this.uploadId);
  }
}

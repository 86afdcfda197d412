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
//
// Beside this file: the XML reader (s3-xml.ts), bucket names (s3-names.ts), fault classes
// (s3-faults.ts), ETags (s3-etag.ts), the signed requests (s3-requests.ts) and the multipart
// upload (s3-upload.ts).
import type http from 'node:http';
import { usageError } from '../base/errors.js';
import { HttpClient, pull } from './http.js';
import { ObjectStat, ObjectStore, PartUpload, PutObjectOptions, checkObjectPath, isStorageFault } from './storage.js';
import { xmlAll, xmlEscape, xmlText } from './s3-xml.js';
import { parseContainer } from './s3-names.js';
import { S3Fault, asWriteFault, classify, conditionUnsupported } from './s3-faults.js';
import { CallName, S3Call, S3Requests, bodyMd5 } from './s3-requests.js';
import { isMd5Etag, unquote } from './s3-etag.js';
import { S3Upload } from './s3-upload.js';

const MiB = 1024 * 1024;
/** S3's smallest part but the last. */
export const S3_MIN_PART_SIZE = 5 * MiB;
/** S3's part-number limit (Swift's s3api defaults to 1000; it says so when exceeded). */
const MAX_PART_NUMBER = 10_000;
/** Keys per DeleteObjects request (the S3 maximum). */
const DELETE_BATCH = 1000;
/** Reads are handed on in chunks of about this size (as the local store does). */
const READ_CHUNK = MiB;

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

export class S3Store implements ObjectStore {
  readonly name: string;
  readonly minPartSize = S3_MIN_PART_SIZE;
  readonly anySizeParts = false;
  readonly checksPartMd5 = true;
  readonly bucket: string;
  readonly prefix: string;
  private readonly region: string;
  private readonly requests: S3Requests;
  private bucketReady: Promise<void> | null = null;
  /** Whether If-None-Match works here: unknown until the first create-only write. */
  private conditional: boolean | null = null;
  private readonly onNotice?: (message: string) => void;

  constructor(opts: S3StoreOptions) {
    this.onNotice = opts.onNotice;
    let url: URL;
    try {
      url = new URL(opts.endpoint);
    } catch {
      throw usageError(`invalid value for --endpoint: "${opts.endpoint}" is not a URL (http://host:port or https://host)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw usageError(`invalid value for --endpoint: "${opts.endpoint}" (http:// or https:// expected)`);
    if (url.search || url.hash || url.username)
      throw usageError(`invalid value for --endpoint: "${opts.endpoint}" (no query, fragment or credentials in the URL)`);
    const basePath = url.pathname.replace(/\/+$/, '');
    ({ bucket: this.bucket, prefix: this.prefix } = parseContainer(opts.container));
    this.region = opts.region || 'us-east-1';
    this.name = `s3:${url.origin}${basePath}/${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    const cred = { accessKeyId: opts.accessKey, secretAccessKey: opts.secretKey, region: this.region, service: 's3' };
    const http = new HttpClient({
      timeoutMs: opts.timeoutMs,
      insecure: opts.insecure,
      proxy: opts.proxy,
      ca: opts.ca,
      maxSockets: opts.maxSockets,
    });
    this.requests = new S3Requests(url, basePath, this.bucket, cred, http, this.name);
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

  /** Creates the bucket the first time something is written (so reads and dry runs create nothing). */
  private ensureBucket(): Promise<void> {
    this.bucketReady ??= this.createBucketIfAbsent().catch((err) => {
      this.bucketReady = null;
      throw err;
    });
    return this.bucketReady;
  }

  private async createBucketIfAbsent(): Promise<void> {
    const c = { what: 'use bucket', path: this.bucket };
    try {
      await this.requests.exchange({
        ...c,
        method: 'GET',
        key: null,
        query: [
          ['list-type', '2'],
          ['max-keys', '0'],
        ],
      });
      return;
    } catch (err) {
      if (!(err instanceof S3Fault) || err.fault !== 'not-found') throw err;
    }
    const body =
      this.region === 'us-east-1'
        ? undefined
        : Buffer.from(
            `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${xmlEscape(this.region)}</LocationConstraint></CreateBucketConfiguration>`,
          );
    try {
      await this.requests.exchange({ what: 'create bucket', path: this.bucket, method: 'PUT', key: null, body });
    } catch (err) {
      if (err instanceof S3Fault && err.s3Code === 'BucketAlreadyOwnedByYou') return;
      throw asWriteFault(err);
    }
  }

  async putObject(p: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    const key = this.key(p);
    await this.ensureBucket();
    const digest = await bodyMd5(data);
    const createOnly = !options?.overwrite;
    const write = (headers: Record<string, string>) => {
      const c: S3Call = {
        what: 'write',
        path: p,
        method: 'PUT',
        key,
        body: data,
        md5: digest,
        headers: { 'content-type': 'application/octet-stream', ...headers },
      };
      return this.requests.exchange(c).then(({ res }) => this.checkEtag(c, res.headers.etag, digest.toString('hex')));
    };
    try {
      await this.createOnly(p, createOnly, write, (there) => there.etag === digest.toString('hex'));
    } catch (err) {
      throw asWriteFault(err);
    }
  }

  /**
   * Runs `write` so that it cannot replace an object: with If-None-Match where the server has
   * it, else after a HEAD that finds nothing. A taken name is an `exists` fault unless
   * `isOurs` recognises the object there.
   */
  private async createOnly(
    p: string,
    createOnly: boolean,
    write: (headers: Record<string, string>) => Promise<unknown>,
    isOurs: (there: { size: number; etag: string }) => boolean,
  ): Promise<void> {
    const taken = async (err: unknown) => {
      const there = await this.head(p);
      if (there && isOurs(there)) return;
      throw err;
    };
    if (!createOnly) {
      await write({});
      return;
    }
    if (this.conditional !== false) {
      try {
        await write(IF_ABSENT);
        this.conditional = true;
        return;
      } catch (err) {
        if (err instanceof S3Fault && err.fault === 'exists') return taken(err);
        if (!conditionUnsupported(err)) throw err;
        this.conditional = false;
        this.onNotice?.(
          `${this.name}: this server does not do conditional writes (If-None-Match); each new object is checked with a HEAD first, and only the chain lock keeps two runs from writing one name at once`,
        );
      }
    }
    if (await this.head(p))
      return taken(new S3Fault('exists', `${this.name}: ${p} exists already; it was left as it is`, 412, 'PreconditionFailed'));
    await write({});
  }

  /** A server that returns an MD5 ETag other than ours stored something else: never retried into success. */
  private checkEtag(c: CallName, got: string | undefined, want: string): void {
    const etag = unquote(got);
    if (isMd5Etag(etag) && etag !== want) {
      throw new S3Fault(
        'permanent',
        `${this.name}: cannot ${c.what} ${c.path}: the server stored ETag ${etag}, expected ${want} (data changed in transit)`,
        0,
        'ETagMismatch',
      );
    }
  }

  async openUpload(p: string): Promise<PartUpload> {
    const key = this.key(p);
    await this.ensureBucket();
    if (await this.head(p))
      throw new S3Fault('exists', `${this.name}: ${p} exists already; it was left as it is`, 412, 'PreconditionFailed');
    let uploadId: string;
    try {
      const { xml } = await this.requests.exchange({
        what: 'start the upload of',
        path: p,
        method: 'POST',
        key,
        query: [['uploads', '']],
        headers: { 'content-type': 'application/octet-stream' },
      });
      const id = xmlText(xml, 'UploadId');
      if (!id) throw new S3Fault('permanent', `${this.name}: cannot start the upload of ${p}: no UploadId in the answer`, 0, '');
      uploadId = id;
    } catch (err) {
      throw asWriteFault(err);
    }
    return new S3Upload(this, p, key, uploadId);
  }

  /** Used by S3Upload. */
  async uploadPart(
    p: string,
    key: string,
    uploadId: string,
    index: number,
    data: Buffer,
    md5?: Promise<Buffer>,
  ): Promise<{ etag: string; md5: Buffer }> {
    const n = index + 1;
    if (n > MAX_PART_NUMBER)
      throw new S3Fault(
        'permanent',
        `${this.name}: cannot upload part ${n} of ${p}: S3 allows at most ${MAX_PART_NUMBER} parts; raise --max-segment-size`,
        0,
        'TooManyParts',
      );
    const digest = await (md5 ?? bodyMd5(data));
    const c: S3Call = {
      what: `upload part ${n} of`,
      path: p,
      method: 'PUT',
      key,
      body: data,
      md5: digest,
      query: [
        ['partNumber', String(n)],
        ['uploadId', uploadId],
      ],
    };
    try {
      const { res } = await this.requests.exchange(c);
      this.checkEtag(c, res.headers.etag, digest.toString('hex'));
      return { etag: res.headers.etag ?? `"${digest.toString('hex')}"`, md5: digest };
    } catch (err) {
      if (err instanceof S3Fault && err.s3Code === 'InvalidArgument' && n > 1000) {
        throw new S3Fault(
          'permanent',
          `${err.message} (this server allows fewer parts: raise --max-segment-size)`,
          err.httpStatus,
          err.s3Code,
          { cause: err },
        );
      }
      throw asWriteFault(err);
    }
  }

  /**
   * Used by S3Upload: CompleteMultipartUpload, create-only; checks the answer even when the
   * status is 200. `expected` is the multipart ETag ours will have (what is there when a retry
   * finds the name taken).
   */
  async completeUpload(p: string, key: string, uploadId: string, etags: string[], expected: string): Promise<string | undefined> {
    const body = Buffer.from(
      `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${etags
        .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(e)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`,
    );
    let etag: string | undefined;
    await this.createOnly(
      p,
      true,
      async (headers) => {
        const c: S3Call = { what: 'complete the upload of', path: p, method: 'POST', key, body, query: [['uploadId', uploadId]], headers };
        const { xml } = await this.requests.exchange(c);
        const error = xmlAll(xml, 'Error')[0];
        if (error !== undefined)
          throw this.requests.fault(c, 200, xmlText(error, 'Code') ?? 'InternalError', xmlText(error, 'Message') ?? '');
        if (!/<CompleteMultipartUploadResult[\s>]/.test(xml))
          throw this.requests.fault(c, 200, 'InternalError', `unexpected answer: ${xml.trim().slice(0, 200)}`);
        etag = xmlText(xml, 'ETag');
      },
      (there) => there.etag === expected,
    );
    return etag;
  }

  /** Used by S3Upload. Never throws. */
  async abortUpload(p: string, key: string, uploadId: string): Promise<void> {
    await this.requests
      .exchange({ what: 'abort the upload of', path: p, method: 'DELETE', key, query: [['uploadId', uploadId]] })
      .catch(() => {});
  }

  private async head(p: string): Promise<{ size: number; etag: string } | null> {
    try {
      const res = await this.requests.send({ what: 'stat', path: p, method: 'HEAD', key: this.key(p) });
      res.resume();
      return { size: Number(res.headers['content-length'] ?? 0), etag: unquote(res.headers.etag) };
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found') return null;
      throw err;
    }
  }

  /** Used by S3Upload: the object as it is now (after a completion). */
  headObject(p: string) {
    return this.head(p);
  }

  async *get(p: string, offset = 0): AsyncIterable<Buffer> {
    const c: S3Call = { what: 'read', path: p, method: 'GET', key: this.key(p), headers: offset > 0 ? { range: `bytes=${offset}-` } : {} };
    let res: http.IncomingMessage;
    try {
      res = await this.requests.send(c);
    } catch (err) {
      // Resuming exactly at the end of the object (a read that failed after its last byte).
      if (err instanceof S3Fault && err.httpStatus === 416 && offset > 0) return;
      throw err;
    }
    if (offset > 0 && res.statusCode !== 206) {
      res.destroy();
      throw new S3Fault(
        'permanent',
        `${this.name}: cannot read ${p} from byte ${offset}: the server ignored the Range header (HTTP ${res.statusCode})`,
        res.statusCode!,
        '',
      );
    }
    const expected = res.headers['content-length'] === undefined ? -1 : Number(res.headers['content-length']);
    let got = 0;
    let pending: Buffer[] = [];
    let have = 0;
    try {
      for await (const chunk of pull(res, this.requests.http.timeoutMs)) {
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
      throw isStorageFault(err) ? err : this.requests.netFault(c, err);
    }
    if (expected >= 0 && got !== expected)
      throw this.requests.netFault(
        c,
        Object.assign(new Error(`the connection closed after ${got} of ${expected} bytes`), { code: 'ECONNRESET' }),
      );
    if (have > 0) yield pending.length === 1 ? pending[0] : Buffer.concat(pending, have);
  }

  async stat(p: string): Promise<ObjectStat | null> {
    const h = await this.head(p);
    return h ? { size: h.size } : null;
  }

  /** One page of ListObjectsV2 under `keyPrefix`. */
  private async listPage(keyPrefix: string, delimiter: boolean, token: string | undefined, forPath: string) {
    const query: Array<[string, string]> = [
      ['list-type', '2'],
      ['prefix', keyPrefix],
    ];
    if (delimiter) query.push(['delimiter', '/']);
    if (token) query.push(['continuation-token', token]);
    const { xml } = await this.requests.exchange({ what: 'list', path: forPath, method: 'GET', key: null, query });
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
      const body = Buffer.from(
        `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${batch
          .map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`)
          .join('')}</Delete>`,
      );
      const c: S3Call = { what: 'remove', path: p, method: 'POST', key: null, query: [['delete', '']], body };
      const { xml } = await this.requests.exchange(c);
      const failed = xmlAll(xml, 'Error')
        .map((e) => ({ key: xmlText(e, 'Key') ?? '', code: xmlText(e, 'Code') ?? '', message: xmlText(e, 'Message') ?? '' }))
        .filter((e) => e.code !== 'NoSuchKey');
      if (failed.length) {
        const f = failed[0];
        const kind = classify(0, f.code) === 'retryable' ? 'retryable' : 'permanent';
        throw new S3Fault(
          kind,
          `${this.name}: cannot remove ${p}: ${failed.length} key(s) not deleted, first ${f.key}: ${f.code}: ${f.message}`,
          200,
          f.code,
        );
      }
    }
  }

  async close(): Promise<void> {
    this.requests.http.close();
  }
}

// Swift storage (`--storage swift`). `--container` is `container[/prefix]`, as in Freezer: the
// first component is the Swift container, the rest prefixes every object name. A segmented
// upload writes Freezer 13's layout exactly: one object per part at `<dir>/segments/%08d` in the
// same container, then a zero-byte Dynamic Large Object manifest at the object's own name with
// `X-Object-Manifest: <container>/<dir>/segments` (docs/FREEZER.md §3). So the layout
// allows one segmented object per directory, which is what a backup has (its `data`).
//
// Integrity: the ETag Swift returns for every PUT (the MD5 of what it stored) must equal the
// MD5 of our body, else the PUT is retried; completing an upload checks the size Swift reports for the whole
// manifest, so a segment that a lagging listing hides is caught, and retried, before the
// backup's metadata is written.
//
// Create-only: `metadata`, `engine_metadata` and the manifest are PUT with `If-None-Match: *`,
// which Swift refuses (412) when the name is taken; the refused PUT is ours only when the object
// there holds our bytes (a retry whose first answer was lost). An upload does not start where
// the object or any of its segments exist.
//
// No retries here (retry.ts does them), except one re-authentication on 401: tokens expire
// and TempAuth forgets them when its memcached restarts.
import type http from 'node:http';
import { usageError } from '../base/errors.js';
import { native } from '../native.js';
import { HttpClient, netErrorText, netFaultKind, pull, readAll } from './http.js';
import { FaultKind, ObjectStat, ObjectStore, PartUpload, PutObjectOptions, StorageFault, checkObjectPath } from './storage.js';
import { SwiftCredentials, SwiftSession, authenticate } from './swift-auth.js';

/** Objects per listing page (Swift's default and maximum). */
const LISTING_LIMIT = 10_000;
/** DELETEs in flight when removing a prefix. */
const DELETE_CONCURRENCY = 8;
/** Freezer's segment name: `%08d`. */
export const segmentName = (index: number) => String(index).padStart(8, '0');

export function classifyStatus(status: number): FaultKind {
  if (status === 404) return 'not-found';
  if (status === 412) return 'exists'; // If-None-Match: * of a create-only PUT
  // 422: the body did not match its ETag on the way; 498/499: rate limits and client resets.
  if (status >= 500 || status === 408 || status === 429 || status === 422 || status === 498 || status === 499) return 'retryable';
  return 'permanent';
}

/** Container name rules of Swift: non-empty, ≤ 256 bytes, no `/` (the rest is the prefix). */
export function parseSwiftContainer(value: string): { container: string; prefix: string } {
  const parts = value.split('/').filter((c) => c !== '');
  if (!parts.length) throw usageError(`invalid value for --container: "${value}" (a Swift container name, optionally followed by /prefix)`);
  const [container, ...rest] = parts;
  if (Buffer.byteLength(container) > 256)
    throw usageError(`invalid value for --container: the Swift container name "${container}" is longer than 256 bytes`);
  if (rest.some((c) => c === '.' || c === '..')) throw usageError(`invalid value for --container: "${value}" (no . or .. components)`);
  return { container, prefix: rest.join('/') };
}

const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
/** MD5 of a body, on the libuv pool: a segment's hash would stall the main thread. */
const md5Hex = async (b: Buffer) => (await native.md5([b])).toString('hex');

interface Call {
  method: string;
  /** Object name inside the container, or null for the container itself. */
  object: string | null;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** For messages: `write`, `read`, `list`… and the storage path. */
  what: string;
  path: string;
}

export interface SwiftStoreOptions {
  credentials: SwiftCredentials;
  /** `container[/prefix]` */
  container: string;
  timeoutMs?: number;
  insecure?: boolean;
  proxy?: string;
  ca?: Buffer;
}

export class SwiftStore implements ObjectStore {
  name: string;
  readonly minPartSize = 1;
  readonly anySizeParts = false;
  readonly checksPartMd5 = true;
  readonly container: string;
  readonly prefix: string;
  private readonly http: HttpClient;
  private session: Promise<SwiftSession> | null = null;
  private containerReady: Promise<void> | null = null;

  constructor(private readonly opts: SwiftStoreOptions) {
    ({ container: this.container, prefix: this.prefix } = parseSwiftContainer(opts.container));
    this.http = new HttpClient({ timeoutMs: opts.timeoutMs, insecure: opts.insecure, proxy: opts.proxy, ca: opts.ca });
    this.name = `swift:${opts.credentials.storageUrl ?? opts.credentials.authUrl}/${this.container}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  /** The object name of storage path `p`. */
  private objectName(p: string): string {
    checkObjectPath(p);
    return this.prefix ? `${this.prefix}/${p}` : p;
  }

  /** The name prefix under which the children of storage path `p` ('' = the container) live. */
  private dirName(p: string): string {
    if (p === '') return this.prefix ? `${this.prefix}/` : '';
    return `${this.objectName(p)}/`;
  }

  private login(fresh: boolean): Promise<SwiftSession> {
    if (fresh || !this.session) {
      this.session = authenticate(this.http, this.opts.credentials).then((s) => {
        // Messages name the storage URL actually used, once it is known.
        this.name = `swift:${s.storageUrl.replace(/\/+$/, '')}/${this.container}${this.prefix ? `/${this.prefix}` : ''}`;
        return s;
      });
      this.session.catch(() => {
        this.session = null;
      });
    }
    return this.session;
  }

  private fault(c: Pick<Call, 'what' | 'path'>, kind: FaultKind, detail: string, cause?: unknown): StorageFault {
    return new StorageFault(kind, `${this.name}: cannot ${c.what} ${c.path || '/'}: ${detail}`, { cause });
  }

  /** Sends an authenticated request; resolves with a 2xx response (body unread), rejects with a fault. */
  private async send(c: Call): Promise<http.IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      let session: SwiftSession;
      try {
        session = await this.login(attempt > 0);
      } catch (err) {
        throw err instanceof StorageFault ? err : this.fault(c, 'permanent', (err as Error).message, err);
      }
      const url = new URL(
        `${session.storageUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.container)}${c.object === null ? '' : `/${encode(c.object)}`}`,
      );
      for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
      let res: http.IncomingMessage;
      try {
        res = await this.http.request({ method: c.method, url, headers: { 'x-auth-token': session.token, ...c.headers }, body: c.body });
      } catch (err) {
        throw this.fault(c, netFaultKind(err), netErrorText(err), err);
      }
      const status = res.statusCode!;
      if (status >= 200 && status < 300) return res;
      const text =
        c.method === 'HEAD' ? '' : (await readAll(res, this.http.timeoutMs, 1 << 20).catch(() => Buffer.alloc(0))).toString('utf8');
      if (c.method === 'HEAD') res.resume();
      if (status === 401 && attempt === 0) continue;
      const detail =
        status === 404
          ? 'not found'
          : status === 412
            ? 'it exists already (HTTP 412); it was left as it is'
            : `HTTP ${status} ${res.statusMessage ?? ''}${
                text
                  ? `: ${text
                      .replace(/<[^>]*>/g, ' ')
                      .replace(/\s+/g, ' ')
                      .trim()
                      .slice(0, 200)}`
                  : ''
              }`.trim();
      throw this.fault(c, classifyStatus(status), detail);
    }
  }

  /** Sends a request whose response body is small, and drains it. */
  private async exchange(c: Call): Promise<{ res: http.IncomingMessage; body: Buffer }> {
    const res = await this.send(c);
    try {
      return { res, body: await readAll(res, this.http.timeoutMs) };
    } catch (err) {
      throw this.fault(c, netFaultKind(err), netErrorText(err), err);
    }
  }

  /** Creates the container on the first write (Freezer's prepare()), so reads create nothing. */
  private ensureContainer(): Promise<void> {
    this.containerReady ??= this.exchange({
      method: 'PUT',
      object: null,
      what: 'create container',
      path: this.container,
      headers: { 'content-length': '0' },
    })
      .then(() => undefined)
      .catch((err) => {
        this.containerReady = null;
        throw err;
      });
    return this.containerReady;
  }

  /**
   * A plain object PUT whose body is checked against the MD5 Swift computed of what it stored.
   * Our MD5 runs on the pool while the body is on the wire (sending it as `ETag` up front
   * would hold every segment back by its hash), or comes from the digest stage (`known`, made
   * in the same pass as the segment's SHA-256); a mismatch is a retryable fault, and the retry
   * overwrites the damaged object. `createOnly` adds `If-None-Match: *`: a taken name is an
   * `exists` fault, unless what is there is what we sent (the same MD5, or the same manifest).
   */
  private async putBody(
    what: string,
    p: string,
    name: string,
    data: Buffer,
    o: {
      headers?: Record<string, string>;
      known?: Promise<Buffer>;
      createOnly?: boolean;
    } = {},
  ): Promise<void> {
    const headers = o.headers ?? {};
    const manifest = headers['x-object-manifest'] !== undefined;
    const ours = manifest ? null : o.known ? o.known.then((m) => m.toString('hex')) : md5Hex(data);
    ours?.catch(() => {});
    await this.ensureContainer();
    let res: http.IncomingMessage;
    try {
      ({ res } = await this.exchange({
        method: 'PUT',
        object: name,
        what,
        path: p,
        body: data,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(data.length),
          ...(o.createOnly ? { 'if-none-match': '*' } : {}),
          ...headers,
        },
      }));
    } catch (err) {
      if (!(err instanceof StorageFault && err.fault === 'exists')) throw err;
      const there = await this.send({ method: 'HEAD', object: name, what, path: p }).catch(() => null);
      there?.resume();
      const same = !there
        ? false
        : manifest
          ? there.headers['x-object-manifest'] === headers['x-object-manifest']
          : String(there.headers.etag ?? '').replace(/"/g, '') === (await ours);
      if (same) return;
      throw err;
    }
    if (!ours) return;
    const md5 = await ours;
    const etag = String(res.headers.etag ?? '').replace(/"/g, '');
    if (etag !== md5)
      throw this.fault(
        { what, path: p },
        'retryable',
        etag ? `Swift stored a body whose MD5 ${etag} is not ours (${md5})` : 'Swift returned no ETag to check the body against',
      );
  }

  async putObject(p: string, data: Buffer, options?: PutObjectOptions): Promise<void> {
    await this.putBody('write', p, this.objectName(p), data, { createOnly: !options?.overwrite });
  }

  async openUpload(p: string): Promise<PartUpload> {
    const name = this.objectName(p);
    const slash = name.lastIndexOf('/');
    const segments = `${slash < 0 ? '' : name.slice(0, slash + 1)}segments`;
    if (await this.stat(p)) throw new StorageFault('exists', `${this.name}: ${p} exists already; it was left as it is`);
    // Segments without a manifest: another upload of this name is under way, or one died. Both
    // are someone else's; ours would mix with them.
    if ((await this.listNames(`${segments}/`)).length > 0) {
      throw new StorageFault('exists', `${this.name}: segments of another upload of ${p} are in ${segments}/; they were left as they are`);
    }
    return new SwiftUpload(this, p, name, segments);
  }

  /** @internal for SwiftUpload */
  putSegment(p: string, segments: string, index: number, data: Buffer, md5?: Promise<Buffer>): Promise<void> {
    return this.putBody(`write segment ${segmentName(index)} of`, p, `${segments}/${segmentName(index)}`, data, { known: md5 });
  }

  /** @internal for SwiftUpload: the DLO manifest, then a check that it covers every byte. */
  async putManifest(p: string, name: string, segments: string, size: number): Promise<void> {
    const manifest = `${this.container}/${segments}`;
    await this.putBody('write the manifest of', p, name, Buffer.alloc(0), {
      headers: { 'x-object-manifest': manifest },
      createOnly: true,
    });
    const st = await this.stat(p);
    if (st?.size !== size) {
      throw this.fault(
        { what: 'complete', path: p },
        'retryable',
        `the manifest covers ${st?.size ?? 0} of ${size} bytes (the container listing lags behind the segments)`,
      );
    }
  }

  /** @internal for SwiftUpload */
  async removeSegments(p: string, segments: string): Promise<void> {
    await this.removeNames(await this.listNames(`${segments}/`), { what: 'remove segments of', path: p });
  }

  async *get(p: string, offset = 0): AsyncIterable<Buffer> {
    const c: Call = {
      method: 'GET',
      object: this.objectName(p),
      what: 'read',
      path: p,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    };
    const res = await this.send(c);
    if (offset > 0 && res.statusCode !== 206) {
      res.destroy();
      throw this.fault(c, 'permanent', `the server ignored the range request (HTTP ${res.statusCode})`);
    }
    try {
      yield* pull(res, this.http.timeoutMs);
    } catch (err) {
      throw err instanceof StorageFault ? err : this.fault(c, netFaultKind(err), netErrorText(err), err);
    }
  }

  /** Every listing page of a `prefix` (with `delimiter` or not): names and subdirs. */
  private async *listing(prefix: string, delimiter: boolean, c: Pick<Call, 'what' | 'path'>): AsyncGenerator<string> {
    let marker = '';
    for (;;) {
      const query: Record<string, string> = { format: 'json', prefix, limit: String(LISTING_LIMIT) };
      if (delimiter) query.delimiter = '/';
      if (marker) query.marker = marker;
      let body: Buffer;
      try {
        ({ body } = await this.exchange({ method: 'GET', object: null, query, ...c }));
      } catch (err) {
        if (err instanceof StorageFault && err.fault === 'not-found') return;
        throw err;
      }
      let entries: Array<{ name?: string; subdir?: string }>;
      try {
        entries = body.length ? (JSON.parse(body.toString('utf8')) as typeof entries) : [];
      } catch (err) {
        throw this.fault(c, 'retryable', 'the listing is not JSON', err);
      }
      if (!Array.isArray(entries)) throw this.fault(c, 'permanent', 'the listing is not a JSON array');
      for (const e of entries) yield (e.subdir ?? e.name)!;
      if (entries.length < LISTING_LIMIT) return;
      const last = entries[entries.length - 1];
      marker = (last.subdir ?? last.name)!;
    }
  }

  private async listNames(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const n of this.listing(prefix, false, { what: 'list', path: prefix })) out.push(n);
    return out;
  }

  async list(p: string): Promise<string[]> {
    const dir = this.dirName(p);
    const names = new Set<string>();
    for await (const n of this.listing(dir, true, { what: 'list', path: p })) {
      const child = n.slice(dir.length).replace(/\/$/, '');
      if (child) names.add(child);
    }
    return [...names].sort();
  }

  async stat(p: string): Promise<ObjectStat | null> {
    try {
      const res = await this.send({ method: 'HEAD', object: this.objectName(p), what: 'stat', path: p });
      res.resume();
      return { size: Number(res.headers['content-length'] ?? 0) };
    } catch (err) {
      if (err instanceof StorageFault && err.fault === 'not-found') return null;
      throw err;
    }
  }

  private async removeNames(names: string[], c: Pick<Call, 'what' | 'path'>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++];
        try {
          await this.exchange({ method: 'DELETE', object: name, ...c });
        } catch (err) {
          if (!(err instanceof StorageFault && err.fault === 'not-found')) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, names.length) }, worker));
  }

  /** An object (with its segments when it is a manifest of ours) and everything under `p/`. */
  async remove(p: string): Promise<void> {
    const name = this.objectName(p);
    const c = { what: 'remove', path: p };
    let manifest: string | undefined;
    try {
      const res = await this.send({ method: 'HEAD', object: name, ...c });
      res.resume();
      manifest = res.headers['x-object-manifest'] as string | undefined;
    } catch (err) {
      if (!(err instanceof StorageFault && err.fault === 'not-found')) throw err;
    }
    const names = await this.listNames(`${name}/`);
    if (manifest?.startsWith(`${this.container}/`)) names.push(...(await this.listNames(`${manifest.slice(this.container.length + 1)}/`)));
    // Segments go after their manifest, so no reader ever sees a manifest with holes.
    await this.removeNames([name], c);
    await this.removeNames(names, c);
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

class SwiftUpload implements PartUpload {
  /** Set when another manifest took the name: it points at these segments, so they stay. */
  private segmentsTaken = false;

  constructor(
    private readonly store: SwiftStore,
    private readonly path: string,
    private readonly name: string,
    private readonly segments: string,
  ) {}

  putPart(index: number, _offset: number, data: Buffer, md5?: Promise<Buffer>): Promise<void> {
    return this.store.putSegment(this.path, this.segments, index, data, md5);
  }

  async complete(_parts: number, size: number): Promise<void> {
    try {
      await this.store.putManifest(this.path, this.name, this.segments, size);
    } catch (err) {
      if (err instanceof StorageFault && err.fault === 'exists') this.segmentsTaken = true;
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.segmentsTaken) return;
    await this.store.removeSegments(this.path, this.segments).catch(() => undefined);
  }
}

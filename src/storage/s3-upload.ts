// One multipart upload (`Storage.openUpload` on S3): parts uploaded in any order and kept by
// index, then completed and checked. A completion is idempotent: a retry whose first answer was
// lost finds the upload gone and checks the object instead. The object is checked after
// completing (its size, and its multipart ETag against the MD5 of our parts' MD5s), so a part
// damaged between our Buffer and the server's disk fails the backup here, not a restore later.
import { PartUpload, StorageFault } from './storage.js';
import { S3Fault } from './s3-faults.js';
import { isMd5Etag, multipartEtag, unquote } from './s3-etag.js';

/** The requests of an upload, as the store makes them (S3Store). */
export interface MultipartRequests {
  readonly name: string;
  uploadPart(
    p: string,
    key: string,
    uploadId: string,
    index: number,
    data: Buffer,
    md5?: Promise<Buffer>,
  ): Promise<{ etag: string; md5: Buffer }>;
  completeUpload(p: string, key: string, uploadId: string, etags: string[], expected: string): Promise<string | undefined>;
  abortUpload(p: string, key: string, uploadId: string): Promise<void>;
  headObject(p: string): Promise<{ size: number; etag: string } | null>;
}

/** One multipart upload: part ETags kept by index, completion idempotent. */
export class S3Upload implements PartUpload {
  private readonly parts: Array<{ etag: string; md5: Buffer } | undefined> = [];
  private completeSent = false;

  constructor(
    private readonly s3: MultipartRequests,
    private readonly path: string,
    private readonly key: string,
    private readonly uploadId: string,
  ) {}

  async putPart(index: number, _offset: number, data: Buffer, md5?: Promise<Buffer>): Promise<void> {
    this.parts[index] = await this.s3.uploadPart(this.path, this.key, this.uploadId, index, data, md5);
  }

  async complete(count: number, size: number): Promise<void> {
    const parts = this.parts.slice(0, count);
    const missing = [...Array(count).keys()].filter((i) => !parts[i]);
    if (missing.length)
      throw new StorageFault(
        'permanent',
        `${this.s3.name}: cannot complete the upload of ${this.path}: part(s) ${missing.map((i) => i + 1).join(', ')} not uploaded`,
      );
    const expected = multipartEtag(parts.map((x) => x!.md5));
    try {
      const etag = await this.sendCompletion(
        parts.map((x) => x!.etag),
        expected,
      );
      await this.checkObject(etag, size, expected);
    } catch (err) {
      if (err instanceof S3Fault && err.fault === 'not-found')
        throw new S3Fault('permanent', err.message, err.httpStatus, err.s3Code, { cause: err });
      throw err;
    }
  }

  async abort(): Promise<void> {
    await this.s3.abortUpload(this.path, this.key, this.uploadId);
  }

  /** CompleteMultipartUpload; the ETag it answered with, if any. */
  private async sendCompletion(etags: string[], expected: string): Promise<string | undefined> {
    const wasSent = this.completeSent;
    this.completeSent = true;
    try {
      return await this.s3.completeUpload(this.path, this.key, this.uploadId, etags, expected);
    } catch (err) {
      // A retry after a completion whose answer was lost: the upload is gone, the object is there.
      if (!(wasSent && err instanceof S3Fault && err.s3Code === 'NoSuchUpload')) throw err;
      return undefined;
    }
  }

  /** The object as completed: there, of `size` bytes, and with our multipart ETag where one is given. */
  private async checkObject(answered: string | undefined, size: number, expected: string): Promise<void> {
    const now = await this.s3.headObject(this.path);
    const fail = (why: string) => new StorageFault('permanent', `${this.s3.name}: upload of ${this.path} completed but ${why}`);
    if (!now) throw fail('the object is not there');
    if (now.size !== size) throw fail(`it holds ${now.size} bytes, not ${size}`);
    for (const e of [unquote(answered), now.etag]) {
      if (isMd5Etag(e) && e.includes('-') && e !== expected) throw fail(`its ETag is ${e}, expected ${expected} (data changed in transit)`);
    }
  }
}

// The ETags S3 returns, as far as we can check them: a plain object's is the MD5 of its bytes,
// a multipart object's the MD5 of its parts' MD5s followed by `-<part count>`. Anything else
// (an encrypted bucket's, another server's scheme) is not ours to judge.
import { createHash } from 'node:crypto';

export const unquote = (etag: string | undefined) => (etag ?? '').replace(/^(W\/)?"|"$/g, '');

/** An ETag we can check: the MD5 of a plain object, or MD5-of-MD5s plus part count. */
export const isMd5Etag = (e: string) => /^[0-9a-f]{32}(-\d+)?$/.test(e);

/** The ETag a multipart object of parts with these MD5s has. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  return `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${partMd5s.length}`;
}

// AWS Signature Version 4 for request headers (the `Authorization: AWS4-HMAC-SHA256 …` form),
// as specified in "Authenticating Requests (AWS Signature Version 4)" of the S3 API reference.
// Pure functions over strings: the caller builds the canonical path and query and chooses the
// payload hash; this module only canonicalises, hashes and signs.
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** `s3` for S3; AWS's generic test suite uses `service`. */
  service: string;
}

export interface SigV4Request {
  method: string;
  /** The canonical URI: already percent-encoded (see `encodePath`), starting with `/`. */
  path: string;
  /** Query parameters, unencoded; a key without value is `[key, '']`. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** Headers to sign; must include `host` and `x-amz-date`. Names in any case. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

export interface SigV4Result {
  authorization: string;
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
}

const hex = (b: Buffer) => b.toString('hex');
const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * RFC 3986 percent-encoding as SigV4 wants it: every byte of the UTF-8 form except the
 * unreserved `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex); `/` is kept when asked.
 */
export function uriEncode(s: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The canonical URI of an S3 object path: each segment encoded once, slashes kept. */
export const encodePath = (p: string) => uriEncode(p, true);

/** `a=1&b=` with names and values encoded, sorted by encoded name then value. */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]> = []): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** `YYYYMMDDTHHMMSSZ` of a date, the x-amz-date format. */
export const amzDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const signingKeys = new Map<string, Buffer>();

/** HMAC chain "AWS4"+secret → date → region → service → "aws4_request" (cached per day). */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}\0${region}\0${service}\0${sha256Hex(secret)}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    if (signingKeys.size > 16) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

export function signV4(req: SigV4Request, cred: SigV4Credentials): SigV4Result {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const date = headers.find(([k]) => k === 'x-amz-date')?.[1];
  if (!date || !/^\d{8}T\d{6}Z$/.test(date)) throw new Error('SigV4: x-amz-date header missing or malformed');
  if (!headers.some(([k]) => k === 'host')) throw new Error('SigV4: host header missing');
  const signedHeaders = headers.map(([k]) => k).join(';');
  const canonicalRequest = [
    req.method.toUpperCase(),
    req.path,
    canonicalQuery(req.query),
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    req.payloadHash,
  ].join('\n');
  const day = date.slice(0, 8);
  const scope = `${day}/${cred.region}/${cred.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = hex(
    createHmac('sha256', signingKey(cred.secretAccessKey, day, cred.region, cred.service))
      .update(stringToSign, 'utf8')
      .digest(),
  );
  const authorization = `AWS4-HMAC-SHA256 Credential=${cred.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { authorization, canonicalRequest, stringToSign, signedHeaders, signature };
}
